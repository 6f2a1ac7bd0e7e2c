//! Deterministic incompressible bytes (xorshift), shared by the test crates that build
//! payloads: the same seed gives the same bytes on every target.

pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}
