//! A synthetic Bitcoin chain with realistic shapes, for scale tests and
//! demos: users paying each other with change (peel chains), exchanges
//! taking deposits, consolidating them and paying withdrawals in batches
//! from hot wallets, CoinJoins, miners, and one hack of an exchange's hot
//! wallet laundered through a peel chain, splits, a CoinJoin and deposits
//! into another exchange. Blocks are real serialised Bitcoin blocks
//! (P2WPKH outputs, empty signatures, valid merkle roots), so they go
//! through the same ingest as mainnet files. Deterministic for a seed.

use bitcoin::absolute::LockTime;
use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use bitcoin::transaction::Version as TxVersion;
use bitcoin::{
    Address, Amount, Block, BlockHash, CompactTarget, Network, OutPoint, ScriptBuf, Sequence,
    Transaction, TxIn, TxMerkleNode, TxOut, Txid, WPubkeyHash, Witness,
};
use serde::Serialize;

/// SplitMix64: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone, Copy)]
struct Coin {
    txid: Txid,
    vout: u32,
    value: u64,
    key: u64,
}

/// Who is who in the synthetic chain, for labels and demos.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SynthStory {
    pub blocks: u64,
    pub transactions: u64,
    /// (exchange name, hot-wallet and deposit addresses).
    pub exchanges: Vec<(String, Vec<String>)>,
    /// The hack: the theft transaction and the thief's first address.
    pub hack_txid: String,
    pub hack_vout: u32,
    pub hack_amount: u64,
    pub hacker_addresses: Vec<String>,
    pub mixer_addresses: Vec<String>,
}

const EXCHANGES: usize = 4;
const USERS: u64 = 200_000;
const SUBSIDY: u64 = 625_000_000;

/// The generator's state.
#[derive(Debug)]
pub struct Synth {
    rng: Rng,
    next_key: u64,
    /// Unspent coins of users, by user (a user holds a few).
    users: Vec<Vec<Coin>>,
    /// Each exchange's hot wallet coins and its deposit coins.
    hot: Vec<Vec<Coin>>,
    deposits: Vec<Vec<Coin>>,
    hot_key: Vec<u64>,
    deposit_keys: Vec<Vec<u64>>,
    miner_key: u64,
    prev: BlockHash,
    height: u32,
    txs: u64,
    target: u64,
    hacked: bool,
    laundering: Vec<Coin>,
    story: SynthStory,
    mixer_key: u64,
}

fn key_hash(key: u64) -> WPubkeyHash {
    let mut h = [0u8; 20];
    h[..8].copy_from_slice(&key.to_le_bytes());
    h[8..16].copy_from_slice(&key.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
    WPubkeyHash::from_byte_array(h)
}

fn script(key: u64) -> ScriptBuf {
    ScriptBuf::new_p2wpkh(&key_hash(key))
}

/// The address of a synthetic key (P2WPKH, bech32).
pub fn key_address(key: u64) -> String {
    Address::from_script(&script(key), Network::Bitcoin)
        .map(|a| a.to_string())
        .unwrap_or_default()
}

impl Synth {
    /// A generator of about `target` transactions.
    pub fn new(target: u64, seed: u64) -> Self {
        let mut s = Synth {
            rng: Rng::new(seed),
            next_key: 1_000_000,
            users: vec![Vec::new(); USERS.min(target / 4 + 10) as usize],
            hot: vec![Vec::new(); EXCHANGES],
            deposits: vec![Vec::new(); EXCHANGES],
            hot_key: Vec::new(),
            deposit_keys: vec![Vec::new(); EXCHANGES],
            miner_key: 1,
            prev: BlockHash::all_zeros(),
            height: 0,
            txs: 0,
            target,
            hacked: false,
            laundering: Vec::new(),
            story: SynthStory::default(),
            mixer_key: 0,
        };
        for e in 0..EXCHANGES {
            let k = s.fresh();
            s.hot_key.push(k);
            for _ in 0..50 {
                let d = s.fresh();
                s.deposit_keys[e].push(d);
            }
        }
        s.mixer_key = s.fresh();
        s.story.exchanges = (0..EXCHANGES)
            .map(|e| {
                let mut a = vec![key_address(s.hot_key[e])];
                a.extend(s.deposit_keys[e].iter().map(|k| key_address(*k)));
                (format!("synth-exchange-{e}"), a)
            })
            .collect();
        s.story.mixer_addresses = vec![key_address(s.mixer_key)];
        s
    }

    fn fresh(&mut self) -> u64 {
        self.next_key += 1;
        self.next_key
    }

    pub fn story(&self) -> &SynthStory {
        &self.story
    }

    pub fn done(&self) -> bool {
        self.txs >= self.target
    }

    fn tx(inputs: &[Coin], outputs: &[(u64, u64)], lock: u32) -> Transaction {
        Transaction {
            version: TxVersion::TWO,
            lock_time: LockTime::from_consensus(lock),
            input: inputs
                .iter()
                .map(|c| TxIn {
                    previous_output: OutPoint {
                        txid: c.txid,
                        vout: c.vout,
                    },
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output: outputs
                .iter()
                .map(|(v, k)| TxOut {
                    value: Amount::from_sat(*v),
                    script_pubkey: script(*k),
                })
                .collect(),
        }
    }

    fn coins_of(tx: &Transaction, keys: &[(u64, u64)]) -> Vec<Coin> {
        let txid = tx.compute_txid();
        keys.iter()
            .enumerate()
            .map(|(i, (v, k))| Coin {
                txid,
                vout: i as u32,
                value: *v,
                key: *k,
            })
            .collect()
    }

    /// The next block (None once the target is reached).
    pub fn next_block(&mut self) -> Option<Block> {
        if self.done() {
            return None;
        }
        let mut txs: Vec<Transaction> = Vec::new();
        let mut fees = 0u64;
        let per_block = 2000.min(self.target - self.txs).max(1);
        // Coinbase placeholder, filled when fees are known.
        let mut body: Vec<Transaction> = Vec::new();
        let lock = self.height;
        while (body.len() as u64) + 1 < per_block {
            let r = self.rng.below(100);
            let made = if !self.hacked
                && self.height >= 20
                && self.txs + body.len() as u64 >= self.target / 3
            {
                self.hack(&mut body, &mut fees, lock)
            } else if !self.laundering.is_empty() && r < 6 {
                self.launder(&mut body, &mut fees, lock)
            } else if r < 55 {
                self.payment(&mut body, &mut fees, lock)
            } else if r < 75 {
                self.deposit(&mut body, &mut fees, lock)
            } else if r < 85 {
                self.withdrawals(&mut body, &mut fees, lock)
            } else if r < 93 {
                self.consolidate(&mut body, &mut fees, lock)
            } else {
                self.coinjoin(&mut body, &mut fees, lock)
            };
            if !made && body.is_empty() {
                // Nothing to spend yet: the coinbase alone funds the start.
                break;
            }
            if !made && self.rng.chance(5) {
                break;
            }
        }
        // Coinbase: subsidy and fees to the miner, who sells to exchanges
        // and users through later payments (miner coins go to users).
        let reward = SUBSIDY + fees;
        // Mostly a pool payout to a fresh address, sometimes the solo
        // miner's reused address.
        let cb_keys: Vec<(u64, u64)> = if self.height < 5 || self.rng.chance(70) {
            vec![(reward, self.fresh())]
        } else {
            vec![(reward, self.miner_key)]
        };
        let mut cb = Self::tx(&[], &cb_keys, 0);
        cb.input.push(TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(
                [&[4u8][..], &self.height.to_le_bytes()[..], &[0x51]].concat(),
            ),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        });
        let cb_coins = Self::coins_of(&cb, &cb_keys);
        let u = self.rng.below(self.users.len() as u64) as usize;
        self.users[u].extend(cb_coins);
        txs.push(cb);
        txs.append(&mut body);
        self.txs += txs.len() as u64;
        let mut block = Block {
            header: Header {
                version: Version::TWO,
                prev_blockhash: self.prev,
                merkle_root: TxMerkleNode::all_zeros(),
                time: 1_600_000_000 + self.height * 600,
                bits: CompactTarget::from_consensus(0x1d00ffff),
                nonce: 0,
            },
            txdata: txs,
        };
        if let Some(m) = block.compute_merkle_root() {
            block.header.merkle_root = m;
        }
        self.prev = block.block_hash();
        self.height += 1;
        self.story.blocks += 1;
        self.story.transactions = self.txs;
        Some(block)
    }

    fn take_user_coin(&mut self) -> Option<(usize, Coin)> {
        for _ in 0..8 {
            let u = self.rng.below(self.users.len() as u64) as usize;
            if !self.users[u].is_empty() {
                let k = self.rng.below(self.users[u].len() as u64) as usize;
                return Some((u, self.users[u].swap_remove(k)));
            }
        }
        None
    }

    fn fee(&mut self, value: u64) -> u64 {
        (200 + self.rng.below(2000)).min(value / 10)
    }

    /// A user pays another user and keeps the change at a fresh address
    /// (the peel-chain shape); sometimes with two inputs.
    fn payment(&mut self, body: &mut Vec<Transaction>, fees: &mut u64, lock: u32) -> bool {
        let Some((u, c)) = self.take_user_coin() else {
            return false;
        };
        let mut ins = vec![c];
        // Wallets often spend several coins at once (the co-spend that
        // clustering relies on), sometimes sweep many.
        let extra = match self.rng.below(100) {
            0..=34 => 0,
            35..=69 => 1,
            70..=89 => 2,
            _ => 6,
        };
        for _ in 0..extra {
            if let Some(more) = self.users[u].pop() {
                ins.push(more);
            }
        }
        let total: u64 = ins.iter().map(|c| c.value).sum();
        let fee = self.fee(total);
        if total <= fee + 1000 {
            self.users[u].extend(ins);
            return false;
        }
        let pay = 1 + self.rng.below((total - fee) * 6 / 10);
        let change = total - fee - pay;
        let to = self.rng.below(self.users.len() as u64) as usize;
        // A fifth of payments go to an address the payee used before.
        let payee = match self.users[to].first() {
            Some(c) if self.rng.chance(20) => c.key,
            _ => self.fresh(),
        };
        let outs = vec![(pay, payee), (change, self.fresh())];
        let tx = Self::tx(&ins, &outs, lock);
        let coins = Self::coins_of(&tx, &outs);
        self.users[to].push(coins[0]);
        if change > 0 {
            self.users[u].push(coins[1]);
        }
        *fees += fee;
        body.push(tx);
        true
    }

    /// A user deposits to an exchange deposit address.
    fn deposit(&mut self, body: &mut Vec<Transaction>, fees: &mut u64, lock: u32) -> bool {
        let Some((u, c)) = self.take_user_coin() else {
            return false;
        };
        let e = self.rng.below(EXCHANGES as u64) as usize;
        let dk = self.deposit_keys[e][self.rng.below(50) as usize];
        let fee = self.fee(c.value);
        if c.value <= fee + 1000 {
            self.users[u].push(c);
            return false;
        }
        let amount = 1 + self.rng.below(c.value - fee);
        let change = c.value - fee - amount;
        let mut outs = vec![(amount, dk)];
        if change > 0 {
            outs.push((change, self.fresh()));
        }
        let tx = Self::tx(&[c], &outs, lock);
        let coins = Self::coins_of(&tx, &outs);
        self.deposits[e].push(coins[0]);
        if change > 0 {
            self.users[u].push(coins[1]);
        }
        *fees += fee;
        body.push(tx);
        true
    }

    /// An exchange sweeps deposits into its hot wallet.
    fn consolidate(&mut self, body: &mut Vec<Transaction>, fees: &mut u64, lock: u32) -> bool {
        let e = self.rng.below(EXCHANGES as u64) as usize;
        if self.deposits[e].len() < 5 {
            return false;
        }
        let n = (5 + self.rng.below(40) as usize).min(self.deposits[e].len());
        let ins: Vec<Coin> = self.deposits[e].drain(..n).collect();
        let total: u64 = ins.iter().map(|c| c.value).sum();
        let fee = self.fee(total).min(total / 2);
        let outs = vec![(total - fee, self.hot_key[e])];
        let tx = Self::tx(&ins, &outs, lock);
        self.hot[e].extend(Self::coins_of(&tx, &outs));
        *fees += fee;
        body.push(tx);
        true
    }

    /// An exchange pays a batch of withdrawals from its hot wallet, change
    /// back to the hot wallet.
    fn withdrawals(&mut self, body: &mut Vec<Transaction>, fees: &mut u64, lock: u32) -> bool {
        let e = self.rng.below(EXCHANGES as u64) as usize;
        let Some(c) = self.hot[e].pop() else {
            return false;
        };
        let n = 1 + self.rng.below(8);
        let fee = self.fee(c.value);
        let budget = (c.value - fee) / 2;
        if budget < n * 1000 {
            self.hot[e].push(c);
            return false;
        }
        let mut outs = Vec::new();
        let mut paid = 0;
        for _ in 0..n {
            let v = 1 + self.rng.below(budget / n);
            paid += v;
            outs.push((v, self.fresh()));
        }
        outs.push((c.value - fee - paid, self.hot_key[e]));
        let tx = Self::tx(&[c], &outs, lock);
        let coins = Self::coins_of(&tx, &outs);
        let last = coins.len() - 1;
        for (i, co) in coins.into_iter().enumerate() {
            if i == last {
                self.hot[e].push(co);
            } else {
                let u = self.rng.below(self.users.len() as u64) as usize;
                self.users[u].push(co);
            }
        }
        *fees += fee;
        body.push(tx);
        true
    }

    /// Five users mix equal amounts (a Whirlpool-like CoinJoin).
    fn coinjoin(&mut self, body: &mut Vec<Transaction>, fees: &mut u64, lock: u32) -> bool {
        let mut ins: Vec<(usize, Coin)> = Vec::new();
        for _ in 0..5 {
            match self.take_user_coin() {
                Some(x) => ins.push(x),
                None => break,
            }
        }
        let min = ins.iter().map(|(_, c)| c.value).min().unwrap_or(0);
        if ins.len() < 5 || min < 20_000 {
            for (u, c) in ins {
                self.users[u].push(c);
            }
            return false;
        }
        let denom = min / 2;
        let fee_each = 100;
        let mut outs: Vec<(u64, u64)> = (0..5).map(|_| (denom, 0)).collect();
        for o in &mut outs {
            o.1 = self.fresh();
        }
        for (_, c) in &ins {
            outs.push((c.value - denom - fee_each, self.fresh()));
        }
        let coins_in: Vec<Coin> = ins.iter().map(|(_, c)| *c).collect();
        let tx = Self::tx(&coins_in, &outs, lock);
        let coins = Self::coins_of(&tx, &outs);
        for (i, co) in coins.into_iter().enumerate() {
            let u = if i < 5 {
                self.rng.below(self.users.len() as u64) as usize
            } else {
                ins[i - 5].0
            };
            self.users[u].push(co);
        }
        *fees += fee_each * 5;
        body.push(tx);
        true
    }

    /// The theft: an exchange's largest hot-wallet coins go to the thief.
    fn hack(&mut self, body: &mut Vec<Transaction>, fees: &mut u64, lock: u32) -> bool {
        self.hacked = true;
        let e = 0;
        self.hot[e].sort_by_key(|c| c.value);
        let n = self.hot[e].len().min(3);
        if n == 0 {
            return false;
        }
        let at = self.hot[e].len() - n;
        let ins: Vec<Coin> = self.hot[e].drain(at..).collect();
        let total: u64 = ins.iter().map(|c| c.value).sum();
        let thief = self.fresh();
        let outs = vec![(total - 1000, thief)];
        let tx = Self::tx(&ins, &outs, lock);
        let coins = Self::coins_of(&tx, &outs);
        self.story.hack_txid = tx.compute_txid().to_string();
        self.story.hack_vout = 0;
        self.story.hack_amount = total - 1000;
        self.story.hacker_addresses.push(key_address(thief));
        self.laundering = coins;
        *fees += 1000;
        body.push(tx);
        true
    }

    /// One laundering step: peel a little to a fresh address, split in
    /// two, pass through the mixer, or deposit at another exchange.
    fn launder(&mut self, body: &mut Vec<Transaction>, fees: &mut u64, lock: u32) -> bool {
        let k = self.rng.below(self.laundering.len() as u64) as usize;
        let c = self.laundering.swap_remove(k);
        let fee = 1000.min(c.value / 10);
        if c.value < 20_000 {
            // Dust of the loot: spent as an ordinary user would.
            let u = self.rng.below(self.users.len() as u64) as usize;
            self.users[u].push(c);
            return false;
        }
        // Large pieces are peeled and split first; only smaller ones go
        // through the mixer or into an exchange.
        let r = if c.value > self.story.hack_amount / 16 {
            self.rng.below(70)
        } else {
            self.rng.below(100)
        };
        let (outs, keep): (Vec<(u64, u64)>, Vec<bool>) = if r < 35 {
            // Peel: a small part to a fresh (user-like) address, the rest on.
            let peel = (c.value - fee) / 20;
            (
                vec![(peel, self.fresh()), (c.value - fee - peel, self.fresh())],
                vec![false, true],
            )
        } else if r < 70 {
            // Split into 2–6 pieces, each laundered on.
            let n = 2 + self.rng.below(5);
            let part = (c.value - fee) / n;
            let mut o: Vec<(u64, u64)> = (0..n - 1).map(|_| (part, 0)).collect();
            o.push((c.value - fee - part * (n - 1), 0));
            for x in &mut o {
                x.1 = self.fresh();
            }
            let k = vec![true; o.len()];
            (o, k)
        } else if r < 85 {
            // Through the mixer: to its address, which pays out to users.
            (vec![(c.value - fee, self.mixer_key)], vec![false])
        } else {
            let e = 1 + self.rng.below(EXCHANGES as u64 - 1) as usize;
            let dk = self.deposit_keys[e][self.rng.below(50) as usize];
            (vec![(c.value - fee, dk)], vec![false])
        };
        let tx = Self::tx(&[c], &outs, lock);
        let coins = Self::coins_of(&tx, &outs);
        for (i, co) in coins.into_iter().enumerate() {
            if keep[i] {
                self.laundering.push(co);
            } else if co.key == self.mixer_key {
                // The mixer pays out to users at once.
                let u = self.rng.below(self.users.len() as u64) as usize;
                self.users[u].push(co);
            } else if self.deposit_keys.iter().any(|d| d.contains(&co.key)) {
                let e = (0..EXCHANGES)
                    .find(|e| self.deposit_keys[*e].contains(&co.key))
                    .unwrap_or(1);
                self.deposits[e].push(co);
            } else {
                let u = self.rng.below(self.users.len() as u64) as usize;
                self.users[u].push(co);
            }
        }
        *fees += fee;
        body.push(tx);
        true
    }
}
