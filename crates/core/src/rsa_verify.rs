//! RSA signature verification (RFC 8017 §8.1.2 and §8.2.2) on
//! `crypto-bigint`'s Montgomery arithmetic (the arithmetic under the `rsa`
//! crate), with the public exponentiation done by plain square-and-multiply.
//!
//! `rsa` 0.10 raises the signature to `e` with `crypto-bigint`'s windowed,
//! constant-time exponentiation, built for secret exponents: for `e` =
//! 65537 it makes a table of 16 powers (14 multiplications), then squares
//! 20 times and multiplies 5 times, selecting each factor by scanning the
//! whole table. The exponent of a verification is public, so this module
//! squares 16 times and multiplies once, on the same Montgomery form and
//! the same multiplication, and builds the key's Montgomery parameters with
//! `crypto-bigint`'s variable-time constructor (the modulus is public). It
//! keeps the `rsa` crate's key checks (odd modulus, size, exponent odd and
//! in `3..2^33`). Nothing it handles is secret: the signature, the message
//! and the key are all public, so nothing needs constant time.
//!
//! The encodings are checked as RFC 8017 writes them: for PKCS #1 v1.5 the
//! recovered block must equal, byte for byte, the block built from the
//! message's digest (with the DigestInfo of §9.2, NULL parameters
//! included); for PSS, EMSA-PSS-VERIFY (§9.1.2) with MGF1 over the same
//! hash and the salt length pinned to the hash length (RFC 7518 §3.5).
//! The Wycheproof vectors for 2048 to 8192-bit keys and every hash used
//! here run in `tests/wycheproof.rs`.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use sha2::digest::{Digest, FixedOutputReset};
use sha2::{Sha256, Sha384, Sha512};

/// An RSA signature scheme of JWS (RFC 7518 §3.3, §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RS256).
    Pkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384 (RS384).
    Pkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (RS512).
    Pkcs1Sha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (PS256).
    PssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt (PS384).
    PssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt (PS512).
    PssSha512,
}

/// An RSA public key ready to verify: the modulus with its Montgomery
/// parameters, and the exponent as a number.
#[derive(Clone)]
pub(crate) struct RsaPublic {
    n: BoxedUint,
    params: BoxedMontyParams,
    /// The modulus length in bytes (`k` of RFC 8017).
    k: usize,
    /// The modulus length in bits.
    bits: usize,
    e: u64,
}

/// DigestInfo prefixes of RFC 8017 §9.2, note 1.
const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const SHA384_PREFIX: [u8; 19] = [
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];
const SHA512_PREFIX: [u8; 19] = [
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
];

impl RsaPublic {
    /// Parses a modulus and an exponent (big-endian) into a key: `None`
    /// unless the modulus is odd and of `bits` bits, and the exponent odd,
    /// at least 3 and below 2^33 (the bounds of the `rsa` crate and AWS-LC).
    /// The Montgomery parameters are computed in variable time: the
    /// modulus is public.
    pub(crate) fn new(n: &[u8], e: &[u8], bits: std::ops::RangeInclusive<usize>) -> Option<Self> {
        let exponent = e.iter().try_fold(0u64, |acc, b| {
            acc.checked_mul(256).map(|a| a | u64::from(*b))
        })?;
        if !(3..1 << 33).contains(&exponent) || exponent & 1 == 0 {
            return None;
        }
        let n = BoxedUint::from_be_slice_vartime(n);
        let mod_bits = n.bit_width_vartime() as usize;
        if !bits.contains(&mod_bits) {
            return None;
        }
        let odd = Option::<Odd<BoxedUint>>::from(Odd::new(n.clone()))?;
        Some(RsaPublic {
            params: BoxedMontyParams::new_vartime(odd),
            k: mod_bits.div_ceil(8),
            bits: mod_bits,
            n,
            e: exponent,
        })
    }

    /// Verifies `signature` over `message` with `scheme`.
    pub(crate) fn verify(&self, scheme: Scheme, message: &[u8], signature: &[u8]) -> bool {
        let Some(em) = self.encrypt(signature) else {
            return false;
        };
        match scheme {
            Scheme::Pkcs1Sha256 => pkcs1v15(&em, &SHA256_PREFIX, &Sha256::digest(message)),
            Scheme::Pkcs1Sha384 => pkcs1v15(&em, &SHA384_PREFIX, &Sha384::digest(message)),
            Scheme::Pkcs1Sha512 => pkcs1v15(&em, &SHA512_PREFIX, &Sha512::digest(message)),
            Scheme::PssSha256 => pss::<Sha256>(&em, self.bits, message),
            Scheme::PssSha384 => pss::<Sha384>(&em, self.bits, message),
            Scheme::PssSha512 => pss::<Sha512>(&em, self.bits, message),
        }
    }

    /// RSAVP1 (§5.2.2) with I2OSP: `signature^e mod n` as `k` bytes, or
    /// `None` when the signature is not `k` bytes or not below `n` (§8.2.2
    /// step 1, §5.2.2 step 1).
    fn encrypt(&self, signature: &[u8]) -> Option<Vec<u8>> {
        let k = self.k;
        if signature.len() != k {
            return None;
        }
        let s = BoxedUint::from_be_slice(signature, self.n.bits_precision()).ok()?;
        if s >= self.n {
            return None;
        }
        let base = BoxedMontyForm::new(s, &self.params);
        let mut acc = base.clone();
        // Left to right over the bits below the top one.
        for bit in (0..63 - self.e.leading_zeros()).rev() {
            acc = acc.square();
            if (self.e >> bit) & 1 == 1 {
                acc = acc.mul(&base);
            }
        }
        let m = acc.retrieve().to_be_bytes();
        // The storage is whole limbs; `m < n` fits in the last `k` bytes.
        let (high, low) = m.split_at(m.len().checked_sub(k)?);
        high.iter().all(|&b| b == 0).then(|| low.to_vec())
    }
}

/// EMSA-PKCS1-v1_5 (§9.2): `em` must be `00 01 FF..FF 00 || prefix || digest`
/// with at least 8 bytes of `FF`.
fn pkcs1v15(em: &[u8], prefix: &[u8], digest: &[u8]) -> bool {
    let t_len = prefix.len() + digest.len();
    let Some(ps_len) = em.len().checked_sub(t_len + 3) else {
        return false;
    };
    // (Unreachable with the 2048-bit minimum, kept as §9.2 step 3 says.)
    if ps_len < 8 {
        return false;
    }
    let (head, rest) = em.split_at(2);
    let (ps, rest) = rest.split_at(ps_len);
    let (zero, rest) = rest.split_at(1);
    let (p, d) = rest.split_at(prefix.len());
    head == [0x00, 0x01]
        && ps.iter().all(|&b| b == 0xff)
        && zero == [0x00]
        && p == prefix
        && d == digest
}

/// EMSA-PSS-VERIFY (§9.1.2) with MGF1 over `D` and a salt as long as `D`'s
/// output; `em` is the `k`-byte output of RSAVP1 for a `mod_bits` modulus.
fn pss<D: Digest + FixedOutputReset>(em: &[u8], mod_bits: usize, message: &[u8]) -> bool {
    let h_len = <D as Digest>::output_size();
    let s_len = h_len;
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    // I2OSP(m, emLen): when `k` is one more than emLen, the extra leading
    // byte must be zero (§8.1.2 step 2c).
    let Some(extra) = em.len().checked_sub(em_len) else {
        return false;
    };
    let (lead, em) = em.split_at(extra);
    if lead.iter().any(|&b| b != 0) {
        return false;
    }
    // Steps 3 and 4.
    if em_len < h_len + s_len + 2 || em.last() != Some(&0xbc) {
        return false;
    }
    // Step 5.
    let (masked_db, rest) = em.split_at(em_len - h_len - 1);
    let h = rest.get(..h_len).unwrap_or_default();
    // Step 6: the leftmost 8·emLen − emBits bits of maskedDB must be zero.
    let top = 0xffu8 >> (8 * em_len - em_bits);
    if masked_db.first().is_none_or(|b| b & !top != 0) {
        return false;
    }
    // Steps 7 to 9.
    let mut db = masked_db.to_vec();
    mgf1_xor::<D>(&mut db, h);
    if let Some(first) = db.first_mut() {
        *first &= top;
    }
    // Step 10: PS zeros, then 0x01.
    let ps_len = em_len - h_len - s_len - 2;
    let (ps, rest) = db.split_at(ps_len);
    if ps.iter().any(|&b| b != 0) || rest.first() != Some(&0x01) {
        return false;
    }
    // Steps 11 to 14.
    let salt = rest.get(1..).unwrap_or_default();
    let mut hasher = D::new();
    Digest::update(&mut hasher, [0u8; 8]);
    Digest::update(&mut hasher, D::digest(message));
    Digest::update(&mut hasher, salt);
    hasher.finalize().as_slice() == h
}

/// MGF1 (§B.2.1) of `seed` over `D`, XORed into `out`.
fn mgf1_xor<D: Digest + FixedOutputReset>(out: &mut [u8], seed: &[u8]) {
    let mut hasher = D::new();
    for (counter, chunk) in (0u32..).zip(out.chunks_mut(<D as Digest>::output_size())) {
        Digest::update(&mut hasher, seed);
        Digest::update(&mut hasher, counter.to_be_bytes());
        let block = hasher.finalize_reset();
        for (o, m) in chunk.iter_mut().zip(block.iter()) {
            *o ^= m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EMSA-PSS-ENCODE (§9.1.1) with a given salt, for `em_bits` bits.
    fn pss_encode<D: Digest + FixedOutputReset>(
        message: &[u8],
        salt: &[u8],
        em_bits: usize,
    ) -> Vec<u8> {
        let h_len = <D as Digest>::output_size();
        let em_len = em_bits.div_ceil(8);
        let mut hasher = D::new();
        Digest::update(&mut hasher, [0u8; 8]);
        Digest::update(&mut hasher, D::digest(message));
        Digest::update(&mut hasher, salt);
        let h = hasher.finalize();
        let mut db = vec![0u8; em_len - salt.len() - h_len - 2];
        db.push(0x01);
        db.extend_from_slice(salt);
        mgf1_xor::<D>(&mut db, &h);
        db[0] &= 0xff >> (8 * em_len - em_bits);
        db.extend_from_slice(&h);
        db.push(0xbc);
        db
    }

    #[test]
    fn pss_reads_every_modulus_length() {
        let message = b"header.claims";
        let salt = [7u8; 32];
        for mod_bits in [2048, 2049, 2050, 2055, 3001, 4096] {
            let em = pss_encode::<Sha256>(message, &salt, mod_bits - 1);
            let k = mod_bits.div_ceil(8);
            let mut block = vec![0u8; k - em.len()];
            block.extend_from_slice(&em);
            assert!(pss::<Sha256>(&block, mod_bits, message), "{mod_bits}");
            assert!(!pss::<Sha256>(&block, mod_bits, b"other"), "{mod_bits}");
            // Any changed byte is refused.
            for at in 0..block.len() {
                let mut changed = block.clone();
                changed[at] ^= 0x01;
                assert!(
                    !pss::<Sha256>(&changed, mod_bits, message),
                    "{mod_bits}: byte {at}"
                );
            }
            // A nonzero bit above emBits is refused, in the extra leading
            // byte or in the first byte of maskedDB.
            let mut high = block.clone();
            high[0] |= 0x80;
            assert!(
                !pss::<Sha256>(&high, mod_bits, message),
                "{mod_bits}: top bit"
            );
            // Another salt length is refused (PS256 pins 32 bytes).
            let em = pss_encode::<Sha256>(message, &salt[..20], mod_bits - 1);
            let mut block = vec![0u8; k - em.len()];
            block.extend_from_slice(&em);
            assert!(
                !pss::<Sha256>(&block, mod_bits, message),
                "{mod_bits}: salt 20"
            );
        }
    }

    #[test]
    fn keys_are_checked_as_the_rsa_crate_checks_them() {
        let mut n = vec![0xc5u8; 256];
        n[255] = 0x01;
        let bits = 2048..=8192;
        let key = RsaPublic::new(&n, &[1, 0, 1], bits.clone()).unwrap();
        assert_eq!((key.k, key.bits, key.e), (256, 2048, 65_537));
        assert!(RsaPublic::new(&n, &[3], bits.clone()).is_some());
        assert!(RsaPublic::new(&n, &[1, 0xff, 0xff, 0xff, 0xff], bits.clone()).is_some());
        for e in [
            &[1][..],
            &[2],
            &[1, 0, 0],
            &[2, 0, 0, 0, 1],
            &[1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        ] {
            assert!(RsaPublic::new(&n, e, bits.clone()).is_none(), "e = {e:?}");
        }
        let mut even = n.clone();
        even[255] = 0x02;
        assert!(RsaPublic::new(&even, &[1, 0, 1], bits.clone()).is_none());
        assert!(RsaPublic::new(&n[1..], &[1, 0, 1], bits.clone()).is_none());
        assert!(RsaPublic::new(&[n.as_slice(); 5].concat(), &[1, 0, 1], bits).is_none());
        // A signature must be exactly k bytes and below n.
        assert!(key.encrypt(&n).is_none());
        assert!(key.encrypt(&[0xff; 256]).is_none());
        assert!(key.encrypt(&[1; 255]).is_none());
        assert!(key.encrypt(&[1; 257]).is_none());
        assert!(key.encrypt(&[1; 256]).is_some());
    }

    #[test]
    fn pkcs1v15_wants_the_exact_block() {
        let digest = Sha256::digest(b"m");
        let mut block = vec![0x00, 0x01];
        block.extend(std::iter::repeat_n(0xff, 256 - 3 - 19 - 32));
        block.push(0x00);
        block.extend_from_slice(&SHA256_PREFIX);
        block.extend_from_slice(&digest);
        assert!(pkcs1v15(&block, &SHA256_PREFIX, &digest));
        for at in 0..block.len() {
            let mut changed = block.clone();
            changed[at] ^= 0x01;
            assert!(!pkcs1v15(&changed, &SHA256_PREFIX, &digest), "byte {at}");
        }
        assert!(!pkcs1v15(&block, &SHA384_PREFIX, &digest));
        assert!(!pkcs1v15(&block[1..], &SHA256_PREFIX, &digest));
        assert!(!pkcs1v15(&[], &SHA256_PREFIX, &digest));
    }
}
