//! Taint: following funds forward through transactions under a chosen
//! policy. An engine over a [`GraphView`]; the ledger of `kansa-chain` is
//! one, a small in-memory graph (for tests and examples) another.
//!
//! Policies (amounts are integer satoshis; every figure is exact):
//! - **poison**: a transaction with any tainted input taints all its
//!   outputs wholly (an upper bound; amounts are not conserved);
//! - **haircut**: the tainted amount entering a transaction is shared
//!   among its outputs and its fee in proportion to their values, by the
//!   largest-remainder rule (floors first, then one satoshi each to the
//!   largest remainders, ties to the lower index, the fee last), so the
//!   shares add up to the tainted amount exactly;
//! - **FIFO**: inputs in order form one run of satoshis, outputs take it in
//!   order and the fee takes the end; an output's taint is the overlap of
//!   its slice with the tainted slices of the inputs.
//!
//! FIFO and haircut conserve the tainted amount (unspent outputs + fees =
//! source). The outputs FIFO taints are among those haircut taints, which
//! are among those poison taints — for haircut's exact (rational) shares,
//! which every output of a tainted transaction has. In whole satoshis a
//! haircut share below one satoshi rounds to zero, and the largest-remainder
//! rule may give a lone tainted satoshi to another output than FIFO does;
//! both rounded policies stay within poison's outputs.

pub mod graph;
pub mod taint;

pub use graph::{GraphView, MemGraph, TxView};
pub use taint::{taint_forward, Policy, TaintReport, TaintedOutput};
