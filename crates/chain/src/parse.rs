//! A block read in place: the transactions' fields are found in the block's
//! own bytes (no copy of scripts or witnesses), and each transaction id is
//! the double SHA-256 of its bytes as they stand (without the witness for
//! a SegWit transaction). What it accepts is what Bitcoin's consensus
//! encoding allows, as the `bitcoin` crate reads it: canonical CompactSize
//! counts, the SegWit marker and flag (flag 1 only), every byte of the
//! block used. Anything else is an error naming the byte, never a panic.

use bitcoin::hashes::{sha256d, Hash, HashEngine};

/// An input: the outpoint it spends (txid, output index).
pub(crate) type RawInput = ([u8; 32], u32);

/// An output: value in satoshis and its script, in the block's bytes.
pub(crate) struct RawOutput<'a> {
    pub value: u64,
    pub script: &'a [u8],
}

/// A transaction: where its inputs and outputs end in the block's lists,
/// and the byte ranges whose hash is its id.
pub(crate) struct RawTx {
    pub ins_end: u32,
    pub outs_end: u32,
    pub coinbase: bool,
    /// Version, then inputs and outputs, then lock time (one range when
    /// the transaction has no witness).
    ranges: [(u32, u32); 3],
}

pub(crate) struct RawBlock<'a> {
    pub hash: [u8; 32],
    pub prev: [u8; 32],
    pub merkle_root: [u8; 32],
    pub time: u32,
    pub txs: Vec<RawTx>,
    pub ins: Vec<RawInput>,
    pub outs: Vec<RawOutput<'a>>,
    /// The transaction ids, in block order.
    pub txids: Vec<[u8; 32]>,
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.b.len() => {
                let s = &self.b[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => Err(format!(
                "truncated at byte {} (reading {what}: {n} bytes wanted, {} left)",
                self.pos,
                self.b.len() - self.pos
            )),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let s = self.take(4, what)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn u64(&mut self, what: &str) -> Result<u64, String> {
        let s = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }

    fn hash(&mut self, what: &str) -> Result<[u8; 32], String> {
        let mut a = [0u8; 32];
        a.copy_from_slice(self.take(32, what)?);
        Ok(a)
    }

    /// A CompactSize count, canonical (the shortest form) as consensus requires.
    fn count(&mut self, what: &str) -> Result<u64, String> {
        let at = self.pos;
        let (v, min) = match self.u8(what)? {
            0xfd => {
                let s = self.take(2, what)?;
                (u16::from_le_bytes([s[0], s[1]]) as u64, 0xfd)
            }
            0xfe => (self.u32(what)? as u64, 0x1_0000),
            0xff => (self.u64(what)?, 0x1_0000_0000),
            n => (n as u64, 0),
        };
        if v < min {
            return Err(format!("non-canonical count at byte {at} ({what})"));
        }
        Ok(v)
    }

    /// A count of items of at least `min_size` bytes each, which the rest
    /// of the block must be able to hold (a 4 GB count is refused here,
    /// before anything is allocated for it).
    fn items(&mut self, min_size: usize, what: &str) -> Result<usize, String> {
        let at = self.pos;
        let n = self.count(what)?;
        let left = (self.b.len() - self.pos) as u64;
        if n.saturating_mul(min_size as u64) > left {
            return Err(format!(
                "at byte {at}: {n} {what} cannot fit in the {left} bytes left"
            ));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = self.items(1, what)?;
        self.take(n, what)
    }
}

/// Reads a serialised block. Transaction ids are hashed on several cores
/// for large blocks.
pub(crate) fn parse_block(b: &[u8]) -> Result<RawBlock<'_>, String> {
    use rayon::prelude::*;
    let mut r = Reader { b, pos: 0 };
    let header = r.take(80, "the block header")?;
    let hash = sha256d::Hash::hash(header).to_byte_array();
    let mut prev = [0u8; 32];
    prev.copy_from_slice(&header[4..36]);
    let mut merkle_root = [0u8; 32];
    merkle_root.copy_from_slice(&header[36..68]);
    let time = u32::from_le_bytes([header[68], header[69], header[70], header[71]]);
    // The smallest transaction takes 10 bytes (version, two counts, lock time).
    let n_tx = r.items(10, "transactions")?;
    let mut block = RawBlock {
        hash,
        prev,
        merkle_root,
        time,
        txs: Vec::with_capacity(n_tx),
        ins: Vec::with_capacity(n_tx * 2),
        outs: Vec::with_capacity(n_tx * 2),
        txids: Vec::new(),
    };
    for _ in 0..n_tx {
        let tx = parse_tx(&mut r, &mut block)?;
        block.txs.push(tx);
    }
    if r.pos != b.len() {
        return Err(format!(
            "{} bytes after the block's last transaction (at byte {})",
            b.len() - r.pos,
            r.pos
        ));
    }
    let txid = |t: &RawTx| {
        let mut e = sha256d::Hash::engine();
        for (s, end) in t.ranges {
            e.input(&b[s as usize..end as usize]);
        }
        sha256d::Hash::from_engine(e).to_byte_array()
    };
    block.txids = if block.txs.len() >= 512 {
        block.txs.par_iter().map(txid).collect()
    } else {
        block.txs.iter().map(txid).collect()
    };
    Ok(block)
}

fn parse_tx<'a>(r: &mut Reader<'a>, block: &mut RawBlock<'a>) -> Result<RawTx, String> {
    let start = r.pos;
    r.u32("a transaction version")?;
    let after_version = r.pos;
    // An input takes at least 41 bytes, an output 9.
    let mut n_in = r.items(41, "inputs")?;
    let mut segwit = false;
    let mut body_start = after_version;
    if n_in == 0 {
        let at = r.pos;
        let flag = r.u8("the SegWit flag")?;
        if flag != 1 {
            return Err(format!(
                "transaction at byte {start}: unsupported SegWit flag {flag} (byte {at})"
            ));
        }
        segwit = true;
        body_start = r.pos;
        n_in = r.items(41, "inputs")?;
    }
    let first_in = block.ins.len();
    for _ in 0..n_in {
        let txid = r.hash("an input's previous transaction")?;
        let vout = r.u32("an input's output index")?;
        r.bytes("an input's script")?;
        r.u32("an input's sequence")?;
        block.ins.push((txid, vout));
    }
    let n_out = r.items(9, "outputs")?;
    for _ in 0..n_out {
        let value = r.u64("an output's value")?;
        let script = r.bytes("an output's script")?;
        block.outs.push(RawOutput { value, script });
    }
    let body_end = r.pos;
    if segwit {
        for _ in 0..n_in {
            let items = r.items(1, "witness items")?;
            for _ in 0..items {
                r.bytes("a witness item")?;
            }
        }
    }
    let lock_start = r.pos;
    r.u32("a transaction lock time")?;
    let coinbase = n_in == 1 && {
        let (txid, vout) = &block.ins[first_in];
        *txid == [0; 32] && *vout == u32::MAX
    };
    let ranges = if segwit {
        [
            (start as u32, after_version as u32),
            (body_start as u32, body_end as u32),
            (lock_start as u32, r.pos as u32),
        ]
    } else {
        [(start as u32, r.pos as u32), (0, 0), (0, 0)]
    };
    Ok(RawTx {
        ins_end: block.ins.len() as u32,
        outs_end: block.outs.len() as u32,
        coinbase,
        ranges,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use bitcoin::consensus::{deserialize, serialize};

    fn check_same(bytes: &[u8]) {
        let ours = parse_block(bytes).unwrap();
        let theirs: bitcoin::Block = deserialize(bytes).unwrap();
        assert_eq!(ours.hash, theirs.block_hash().to_byte_array());
        assert_eq!(ours.txs.len(), theirs.txdata.len());
        let mut ins = ours.ins.iter();
        let mut outs = ours.outs.iter();
        for ((t, id), tx) in ours.txs.iter().zip(&ours.txids).zip(&theirs.txdata) {
            assert_eq!(*id, tx.compute_txid().to_byte_array());
            assert_eq!(t.coinbase, tx.is_coinbase());
            for i in &tx.input {
                let o = ins.next().unwrap();
                assert_eq!(o.0, i.previous_output.txid.to_byte_array());
                assert_eq!(o.1, i.previous_output.vout);
            }
            for x in &tx.output {
                let o = outs.next().unwrap();
                assert_eq!(o.value, x.value.to_sat());
                assert_eq!(o.script, x.script_pubkey.as_bytes());
            }
        }
        assert!(ins.next().is_none() && outs.next().is_none());
    }

    #[test]
    fn reads_real_blocks_as_the_bitcoin_crate_does() {
        let Some(dir) = kansa_testdata::shared("chain/btc") else {
            return;
        };
        let raw = std::fs::read(dir.join(
            "mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
        ))
        .unwrap();
        check_same(&raw);
        for f in [
            "firstblocks-0-589.blk",
            "scriptwitness.blk",
            "block2019Jan.blk",
        ] {
            let bytes = std::fs::read(dir.join(f)).unwrap();
            for (_, b) in crate::split_blk(&bytes).unwrap() {
                check_same(b);
            }
        }
    }

    #[test]
    fn refuses_what_the_encoding_does_not_allow() {
        let Some(dir) = kansa_testdata::shared("chain/btc") else {
            return;
        };
        let bytes = std::fs::read(dir.join("scriptwitness.blk")).unwrap();
        let (_, b) = crate::split_blk(&bytes).unwrap()[0];
        // Every truncation is refused, none panics.
        for cut in [0, 1, 79, 80, 81, 200, b.len() / 2, b.len() - 1] {
            let e = parse_block(&b[..cut]).err().unwrap();
            assert!(
                e.contains("truncated") || e.contains("cannot fit"),
                "{cut}: {e}"
            );
        }
        // A byte too many.
        let mut long = b.to_vec();
        long.push(0);
        assert!(parse_block(&long).err().unwrap().contains("1 bytes after"));
        // A transaction count of 2^32 is refused before any allocation.
        let mut huge = b[..80].to_vec();
        huge.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff, 0xff]);
        assert!(parse_block(&huge).err().unwrap().contains("cannot fit"));
        // A count written long (3 bytes for 1) is not canonical.
        let mut blk: bitcoin::Block = deserialize(b).unwrap();
        blk.txdata.truncate(1);
        let mut one = serialize(&blk.header);
        one.extend_from_slice(&[0xfd, 1, 0]);
        one.extend_from_slice(&serialize(&blk.txdata[0]));
        assert!(parse_block(&one).err().unwrap().contains("non-canonical"));
    }
}
