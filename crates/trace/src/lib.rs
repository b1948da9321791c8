//! Taint: following funds forward (where did they go) and backward (where
//! did they come from) through transactions under a chosen policy, and
//! exposure to risk categories built on it. An engine over the compact
//! [`kansa_chain::Graph`]; [`MemGraph`] writes small graphs by hand.
//!
//! Policies (amounts are integers in the asset's base units, satoshis for
//! Bitcoin; every figure is exact):
//! - **poison**: a transaction with any tainted input taints all its
//!   outputs wholly (an upper bound; amounts are not conserved);
//! - **haircut**: the tainted amount entering a transaction is shared
//!   among its outputs and its fee in proportion to their values, by the
//!   largest-remainder rule (floors first, then one satoshi each to the
//!   largest remainders, ties to the lower index, the fee last), so the
//!   shares add up to the tainted amount exactly. Backward, an output's
//!   attributed amount is shared among the inputs in proportion to their
//!   values by the same rule;
//! - **FIFO**: inputs in order form one run of satoshis, outputs take it in
//!   order and the fee takes the end; an output's taint is the overlap of
//!   its slice with the tainted slices of the inputs. Backward, the
//!   outputs' attributed slices are mapped onto the inputs' run the same
//!   way. Forward, FIFO follows the fee's tainted satoshis into the
//!   coinbase of its block: the coinbase's run is the fees of the block's
//!   transactions in block order, then the subsidy (a fee whose inputs are
//!   not in the graph counts as zero), cut by the coinbase's outputs. Haircut and poison can do the same
//!   (`fees_to_coinbase`; off by default for them). Fees with no coinbase
//!   to go to rest as `fees`.
//!
//! Transactions are processed in (height, position) order, which is
//! topological: a spender after what it spends. Backward, a coinbase
//! followed into its fees comes before its block's transactions; one
//! spent within its own block (which Bitcoin's maturity rule forbids)
//! would close a cycle and is not followed into its fees: it is mined.
//!
//! Stop conditions: hops (`max_hops`), a minimum amount, and stop addresses
//! (labelled services: the trail ends at an exchange's cluster). Every
//! satoshi of the source rests somewhere: unspent, fees, mined, unknown,
//! beyond the horizon, at a stop address or below the minimum; under
//! haircut and FIFO these add up to the source exactly.
//!
//! The outputs FIFO taints are among those haircut taints, which are among
//! those poison taints — for haircut's exact (rational) shares, which every
//! output of a tainted transaction has. In whole satoshis a haircut share
//! below one satoshi rounds to zero, and the largest-remainder rule may
//! give a lone tainted satoshi to another output than FIFO does; both
//! rounded policies stay within poison's outputs.

pub mod cross;
pub mod exposure;
pub mod graph;
pub mod request;
pub mod taint;

pub use cross::{trace_across, CrossTrace, Crossing};
pub use exposure::{exposure, AddressLabel, Exposure, ExposureLine, LabelLookup, RiskPath};
pub use graph::MemGraph;
pub use request::{run_taint, TaintOutcome, TaintRequest};
pub use taint::{
    mul_div, one_asset, parse_outpoint, taint_forward, trace, trace_amounts, Direction, Flow,
    Policy, Subject, TaintReport, TaintedOutput, TraceOptions,
};
