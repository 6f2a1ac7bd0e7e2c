//! Whether one input chunk is worth deflate's matcher, judged from the chunk's own bytes.
//!
//! Files are rarely uniform: a driver binary or firmware image may start with compressed or
//! encrypted data and continue with code, tables and text. Deciding per chunk lets the random
//! parts pass through as stored blocks, costing almost nothing, while the rest is compressed
//! fully. The estimate must be cheap next to deflating the chunk, and a function of the bytes
//! alone (integer arithmetic only), so every target and thread count decides the same.
//!
//! Two stages:
//! 1. a byte histogram: the size of the chunk coded as literals with an optimal Huffman code.
//!    Text, code and tables land well below the bar here and cost one pass of counting;
//! 2. for chunks that look random to the histogram, a greedy scan for repeated 4-byte
//!    sequences within deflate's 32 KiB window (the matches a histogram cannot see: repeated
//!    random blocks, structured records of high-entropy values), each match costed at
//!    [`MATCH_BITS`], the literals left over costed by their own histogram.

/// Below this a chunk is always handed to deflate (too short for the estimate to matter).
const MIN_JUDGED: usize = 256;
/// Deflate's window and longest match.
const WINDOW: usize = 32 * 1024;
const MAX_MATCH: usize = 258;
const MIN_MATCH: usize = 4;
const HASH_BITS: u32 = 12;
/// Misses before the probing stride grows by one byte, and its largest value.
const SKIP_TRIGGER: u32 = 6;
const MAX_STRIDE: usize = 32;
/// A generous price of one length/distance pair (codes and extra bits), so matches are not
/// overrated.
const MATCH_BITS: u64 = 28;
/// The dynamic Huffman block header the literals would need.
const HEADER_BITS: u64 = 80 * 8;

/// True when deflating `chunk` is expected to save at least 1/32 of its size (3 %).
///
/// Chunks that deflate would shrink less than that cost the matcher's full time for almost
/// no gain; they are stored instead.
pub fn worth_deflating(chunk: &[u8]) -> bool {
    if chunk.len() < MIN_JUDGED {
        return true;
    }
    let raw_bits = chunk.len() as u64 * 8;
    let bar = raw_bits - raw_bits / 32;
    let mut counts = [0u32; 256];
    for &b in chunk {
        counts[b as usize] += 1;
    }
    if huffman_bits(&counts) + HEADER_BITS < bar {
        return true;
    }
    lz_estimate_bits(chunk, counts) < bar
}

/// Bits of `chunk` as deflate might code it: greedy matches plus Huffman-coded literals.
/// `counts` is the chunk's byte histogram; the bytes matches cover are taken out of it.
///
/// Positions are probed with a stride that grows while nothing matches (as fast LZ
/// compressors do), so random data is crossed in a few thousand probes; a match resets it.
fn lz_estimate_bits(chunk: &[u8], mut counts: [u32; 256]) -> u64 {
    let mut table = [0u32; 1 << HASH_BITS];
    let mut matches = 0u64;
    let mut misses = 0usize;
    let len = chunk.len();
    let mut i = 0;
    while i + MIN_MATCH <= len {
        let word = u32::from_le_bytes([chunk[i], chunk[i + 1], chunk[i + 2], chunk[i + 3]]);
        let slot = (word.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize;
        // Positions are stored plus one so that 0 means "empty".
        let seen = table[slot] as usize;
        table[slot] = (i + 1) as u32;
        if seen != 0 && i + 1 - seen <= WINDOW {
            let from = seen - 1;
            let mut n = 0;
            while n < MAX_MATCH && i + n < len && chunk[from + n] == chunk[i + n] {
                n += 1;
            }
            if n >= MIN_MATCH {
                for &b in &chunk[i..i + n] {
                    counts[b as usize] -= 1;
                }
                matches += 1;
                misses = 0;
                i += n;
                continue;
            }
        }
        misses += 1;
        i += (1 + (misses >> SKIP_TRIGGER)).min(MAX_STRIDE);
    }
    huffman_bits(&counts) + matches * MATCH_BITS + HEADER_BITS
}

/// Total length in bits of the symbols counted in `counts` under an optimal prefix code: the
/// sum of the weights of every node Huffman's algorithm merges (deflate's 15-bit limit
/// ignored: it changes little, and only upwards).
fn huffman_bits(counts: &[u32; 256]) -> u64 {
    let mut leaves: Vec<u64> = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| u64::from(c))
        .collect();
    if leaves.len() < 2 {
        // One distinct byte still needs a bit per symbol.
        return leaves.first().copied().unwrap_or(0);
    }
    leaves.sort_unstable();
    // Two queues: the sorted leaves and the merged nodes, which come out already sorted.
    let mut merged: Vec<u64> = Vec::with_capacity(leaves.len());
    let (mut li, mut mi, mut total) = (0usize, 0usize, 0u64);
    let smallest = |li: &mut usize, mi: &mut usize, merged: &Vec<u64>| {
        if *li < leaves.len() && (*mi >= merged.len() || leaves[*li] <= merged[*mi]) {
            *li += 1;
            leaves[*li - 1]
        } else {
            *mi += 1;
            merged[*mi - 1]
        }
    };
    while (leaves.len() - li) + (merged.len() - mi) > 1 {
        let a = smallest(&mut li, &mut mi, &merged);
        let b = smallest(&mut li, &mut mi, &merged);
        total += a + b;
        merged.push(a + b);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::deflate::noise;

    #[test]
    fn huffman_bits_match_known_codes() {
        let mut c = [0u32; 256];
        c[0] = 1;
        c[1] = 1;
        assert_eq!(huffman_bits(&c), 2);
        // Frequencies 5, 9, 12, 13, 16, 45: the textbook code costs 224 bits.
        for (i, f) in [5u32, 9, 12, 13, 16, 45].into_iter().enumerate() {
            c[i] = f;
        }
        assert_eq!(huffman_bits(&c), 224);
        // Uniform bytes need eight bits each.
        assert_eq!(huffman_bits(&[4u32; 256]), 4 * 256 * 8);
    }

    #[test]
    fn random_bytes_are_not_worth_it_text_and_repeats_are() {
        assert!(!worth_deflating(&noise(64 << 10, 7)));
        let text: Vec<u8> = b"[Strings]\r\nDiskName = \"driver disk\"\r\n"
            .iter()
            .cycle()
            .take(64 << 10)
            .copied()
            .collect();
        assert!(worth_deflating(&text));
        // High-entropy bytes, each 4 KiB block repeated: the histogram sees noise, the
        // matches do not.
        let block = noise(4 << 10, 3);
        let repeated: Vec<u8> = block.iter().cycle().take(64 << 10).copied().collect();
        assert!(worth_deflating(&repeated));
        // Too short to judge: deflate decides.
        assert!(worth_deflating(&noise(100, 1)));
    }
}
