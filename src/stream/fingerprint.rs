//! A short, stable fingerprint of a string (64-bit FNV-1a): remembered ids
//! in the dedup, and the names under which tabs share a stream, which must
//! not show its URL (a query may hold a secret, and any script of the
//! origin reads lock names with `navigator.locks.query()`).

/// The 64-bit FNV-1a hash of `text`.
pub(crate) fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_fnv1a() {
        assert_eq!(fingerprint(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
