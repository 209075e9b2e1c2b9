//! ES384 verification for the default (RustCrypto) backend, on the `p384`
//! crate's own field and scalar arithmetic.
//!
//! `p384`'s `verify` computes `u1·G + u2·Q` with complete projective
//! formulas and builds the window tables of both points on every call. A
//! relying party verifies many tokens under the same few keys, and every
//! input of a verification is public, so this module:
//!
//! - keeps, per key, the odd multiples `Q, 3Q, …, 15Q` in affine form,
//!   computed once, on the key's first verification;
//! - keeps the odd multiples `G, 3G, …, 127G` of the generator, computed
//!   once per process;
//! - runs one interleaved wNAF double-and-add in Jacobian coordinates, with
//!   the `a = −3` doubling (3M + 5S) and mixed additions (7M + 4S), in
//!   variable time: nothing secret is involved in a verification.
//!
//! The key is validated by `p384` before it gets here, the signature's `r`
//! and `s` are checked to lie in `[1, n − 1]` by `p384::ecdsa::Signature`,
//! the message digest is reduced as `ecdsa::hazmat::verify_prehashed`
//! reduces it, and the final comparison is the same `r == x mod n`. The
//! result is the same as `p384`'s for every input: a unit test compares
//! the two on valid signatures, on every one-bit change of them and on
//! crafted scalars, and the Wycheproof ECDSA P-384 vectors run through it.

use std::sync::OnceLock;

use p384::elliptic_curve::ff::PrimeField;
use p384::elliptic_curve::hazmat::FieldArithmetic;
use p384::elliptic_curve::ops::{Invert, Reduce};
use p384::elliptic_curve::sec1::ToSec1Point;
use p384::{FieldBytes, NistP384, Scalar};
use sha2::Digest as _;

/// An element of the P-384 base field, from `p384`.
type Fe = <NistP384 as FieldArithmetic>::FieldElement;

/// Window of the key's wNAF: `2^(5−2) = 8` odd multiples per key.
const KEY_WINDOW: usize = 5;
/// Window of the generator's wNAF: `2^(8−2) = 64` odd multiples, once.
const GEN_WINDOW: usize = 8;
/// wNAF digits of a scalar below `n < 2^384` (one more for the last carry).
const DIGITS: usize = 385;

/// A finite point in affine coordinates.
#[derive(Clone, Copy)]
struct Affine {
    x: Fe,
    y: Fe,
}

/// A finite point in Jacobian coordinates, `(X/Z², Y/Z³)`; the point at
/// infinity is `None` where it can occur.
#[derive(Clone, Copy)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Jacobian {
    fn from_affine(p: &Affine) -> Self {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// `2P` for `a = −3` ("dbl-2001-b", 3M + 5S). `P` has odd order, so
    /// `Y ≠ 0` and the result is finite.
    fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x = alpha.square() - beta4.double();
        let z = (self.y + self.z).square() - gamma - delta;
        let y = alpha * (beta4 - x) - gamma.square().double().double().double();
        Jacobian { x, y, z }
    }

    /// `P + Q` with `Q` affine ("madd-2007-bl", 7M + 4S), handling the
    /// exceptional cases: `P` at infinity, `P = Q`, `P = −Q`.
    fn add_affine(p: Option<&Self>, q: &Affine) -> Option<Self> {
        let Some(p) = p else {
            return Some(Jacobian::from_affine(q));
        };
        let z1z1 = p.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * p.z * z1z1;
        let h = u2 - p.x;
        let r = (s2 - p.y).double();
        if bool::from(h.is_zero()) {
            return if bool::from(r.is_zero()) {
                Some(p.double())
            } else {
                None
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let v = p.x * i;
        let x = r.square() - j - v.double();
        let y = r * (v - x) - (p.y * j).double();
        let z = (p.z + h).square() - z1z1 - hh;
        Some(Jacobian { x, y, z })
    }

    fn to_affine(self) -> Option<Affine> {
        let zinv = Option::<Fe>::from(self.z.invert_vartime())?;
        let zinv2 = zinv.square();
        Some(Affine {
            x: self.x * zinv2,
            y: self.y * zinv2 * zinv,
        })
    }
}

/// `P, 3P, 5P, …, (2·len − 1)·P` in affine form, or `None` if one of them
/// is the point at infinity (never for a point of the prime order `n`).
/// Two field inversions in all: one for `2P`, one shared by the multiples.
fn odd_multiples<const LEN: usize>(p: &Affine) -> Option<[Affine; LEN]> {
    let twice = Jacobian::from_affine(p).double().to_affine()?;
    let mut points = [Jacobian::from_affine(p); LEN];
    let mut acc = Jacobian::from_affine(p);
    for slot in points.iter_mut().skip(1) {
        acc = Jacobian::add_affine(Some(&acc), &twice)?;
        *slot = acc;
    }
    // Montgomery's trick: invert the product of the Z coordinates once,
    // then peel each inverse off it.
    let mut prefix = [Fe::ONE; LEN];
    let mut running = Fe::ONE;
    for (product, point) in prefix.iter_mut().zip(&points) {
        *product = running;
        running *= point.z;
    }
    let mut inverse = Option::<Fe>::from(running.invert_vartime())?;
    let mut out = [*p; LEN];
    for ((slot, point), product) in out.iter_mut().zip(&points).zip(&prefix).rev() {
        // inverse = 1 / (z_0 ⋯ z_i); product = z_0 ⋯ z_(i−1).
        let zinv = inverse * product;
        inverse *= point.z;
        let zinv2 = zinv.square();
        *slot = Affine {
            x: point.x * zinv2,
            y: point.y * zinv2 * zinv,
        };
    }
    Some(out)
}

/// A point given as an uncompressed SEC1 encoding `04 || x || y`.
fn affine_from_sec1(bytes: &[u8]) -> Option<Affine> {
    let (&tag, coords) = bytes.split_first()?;
    if tag != 4 || coords.len() != 96 {
        return None;
    }
    let (x, y) = coords.split_at(48);
    let x = Option::<Fe>::from(Fe::from_repr(FieldBytes::try_from(x).ok()?))?;
    let y = Option::<Fe>::from(Fe::from_repr(FieldBytes::try_from(y).ok()?))?;
    Some(Affine { x, y })
}

/// The odd multiples of the generator, computed on first use.
fn generator_table() -> Option<&'static [Affine; 1 << (GEN_WINDOW - 2)]> {
    static TABLE: OnceLock<Option<[Affine; 1 << (GEN_WINDOW - 2)]>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let g = p384::AffinePoint::GENERATOR.to_sec1_point(false);
            odd_multiples(&affine_from_sec1(g.as_bytes())?)
        })
        .as_ref()
}

/// The width-`w` non-adjacent form of `k`: digits odd or zero, each of
/// magnitude below `2^(w−1)`, with at least `w − 1` zeros between two
/// nonzero digits, least significant first.
fn wnaf(k: &Scalar, w: usize) -> [i8; DIGITS] {
    // Little-endian 64-bit limbs, one spare for the reads past the top.
    let repr = k.to_repr();
    let mut limbs = [0u64; 7];
    for (limb, chunk) in limbs.iter_mut().zip(repr.rchunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(word);
    }
    let bits = |pos: usize| -> u64 {
        let (word, bit) = (pos / 64, pos % 64);
        let low = limbs.get(word).copied().unwrap_or(0) >> bit;
        let high = match bit {
            0 => 0,
            _ => limbs.get(word + 1).copied().unwrap_or(0) << (64 - bit),
        };
        low | high
    };
    let mask = (1u64 << w) - 1;
    let half = 1i64 << (w - 1);
    let mut digits = [0i8; DIGITS];
    let mut carry = 0u64;
    let mut pos = 0;
    while pos < DIGITS {
        let window = carry + (bits(pos) & mask);
        if window & 1 == 0 {
            pos += 1;
            continue;
        }
        // |digit| < 2^(w−1) ≤ 128: it fits an i8 for the windows used here.
        let window = i64::try_from(window).unwrap_or(0);
        let signed = if window < half {
            carry = 0;
            window
        } else {
            carry = 1;
            window - 2 * half
        };
        let digit = i8::try_from(signed).unwrap_or(0);
        if let Some(slot) = digits.get_mut(pos) {
            *slot = digit;
        }
        pos += w;
    }
    digits
}

/// `±table[|d| / 2]` for an odd wNAF digit `d`.
fn lookup(table: &[Affine], digit: i8) -> Option<Affine> {
    let point = table.get(usize::from(digit.unsigned_abs() / 2))?;
    Some(if digit < 0 {
        Affine {
            x: point.x,
            y: -point.y,
        }
    } else {
        *point
    })
}

/// A P-384 public key ready for repeated ES384 verifications.
#[derive(Clone)]
pub(crate) struct P384Key {
    /// The key as `p384` validated it.
    key: p384::ecdsa::VerifyingKey,
    /// `Q, 3Q, …, 15Q`, computed on the first verification (about as long
    /// as a tenth of one), so that loading a key set stays cheap.
    table: OnceLock<Option<Box<[Affine; 1 << (KEY_WINDOW - 2)]>>>,
}

impl P384Key {
    /// A key `p384` has validated as a point of the curve.
    pub(crate) fn new(key: p384::ecdsa::VerifyingKey) -> Self {
        P384Key {
            key,
            table: OnceLock::new(),
        }
    }

    /// The key's odd multiples.
    fn table(&self) -> Option<&[Affine]> {
        self.table
            .get_or_init(|| {
                let point = self.key.to_sec1_point(false);
                affine_from_sec1(point.as_bytes())
                    .and_then(|q| odd_multiples(&q))
                    .map(Box::new)
            })
            .as_deref()
            .map(|table| table.as_slice())
    }

    /// Whether `signature` (fixed-size `r || s`) is a valid ES384
    /// signature of `message` under this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = p384::ecdsa::Signature::from_slice(signature) else {
            return false;
        };
        let digest = sha2::Sha384::digest(message);
        self.verify_prehash(&digest, &sig)
    }

    /// The ECDSA check on a SHA-384 digest: `r == x(u1·G + u2·Q) mod n`
    /// with `u1 = z/s`, `u2 = r/s`.
    fn verify_prehash(&self, digest: &FieldBytes, sig: &p384::ecdsa::Signature) -> bool {
        let (Some(gen_table), Some(key_table)) = (generator_table(), self.table()) else {
            return false;
        };
        let (r, s) = sig.split_scalars();
        let z = <Scalar as Reduce<FieldBytes>>::reduce(digest);
        let Some(s_inv) = Option::<Scalar>::from(Invert::invert_vartime(&*s)) else {
            return false;
        };
        let u1 = wnaf(&(z * s_inv), GEN_WINDOW);
        let u2 = wnaf(&(*r * s_inv), KEY_WINDOW);

        let mut acc: Option<Jacobian> = None;
        for (&d1, &d2) in u1.iter().zip(u2.iter()).rev() {
            acc = acc.map(|p| p.double());
            if d1 != 0 {
                let Some(point) = lookup(gen_table, d1) else {
                    return false;
                };
                acc = Jacobian::add_affine(acc.as_ref(), &point);
            }
            if d2 != 0 {
                let Some(point) = lookup(key_table, d2) else {
                    return false;
                };
                acc = Jacobian::add_affine(acc.as_ref(), &point);
            }
        }
        let Some(x) = acc.and_then(Jacobian::to_affine).map(|p| p.x) else {
            return false;
        };
        <Scalar as Reduce<FieldBytes>>::reduce(&x.to_repr()) == *r
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use p384::ecdsa::signature::hazmat::PrehashVerifier as _;
    use p384::ecdsa::signature::{Signer as _, Verifier as _};
    use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p384::{AffinePoint, ProjectivePoint};

    fn signing_key(seed: u8) -> SigningKey {
        let mut secret = [seed; 48];
        secret[0] = 0x11;
        SigningKey::from_bytes(&secret.into()).unwrap()
    }

    /// `n − 1`, the largest scalar.
    fn minus_one() -> Scalar {
        -Scalar::ONE
    }

    /// `Σ dᵢ·2ⁱ mod n`.
    fn from_digits(digits: &[i8]) -> Scalar {
        digits.iter().rev().fold(Scalar::ZERO, |acc, &d| {
            let d_abs = Scalar::from(u64::from(d.unsigned_abs()));
            acc.double() + if d < 0 { -d_abs } else { d_abs }
        })
    }

    #[test]
    fn wnaf_digits_rebuild_the_scalar_and_keep_their_shape() {
        let mut scalars = vec![
            Scalar::ONE,
            Scalar::from(2u64),
            minus_one(),
            minus_one().double(),
        ];
        // 2^383 and its neighbours: the top bit and the final carry.
        let mut top = Scalar::ONE;
        for _ in 0..383 {
            top = top.double();
        }
        scalars.extend([top, top - Scalar::ONE, top + Scalar::ONE]);
        scalars.extend(
            (1u64..40).map(|i| {
                Scalar::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)) * minus_one().double()
            }),
        );
        for k in &scalars {
            for w in [KEY_WINDOW, GEN_WINDOW] {
                let digits = wnaf(k, w);
                assert_eq!(from_digits(&digits), *k, "w = {w}");
                let mut last: Option<usize> = None;
                for (i, &d) in digits.iter().enumerate().filter(|(_, d)| **d != 0) {
                    assert!(
                        d % 2 != 0 && i32::from(d).abs() < 1 << (w - 1),
                        "digit {d} at {i}"
                    );
                    if let Some(prev) = last {
                        assert!(i - prev >= w, "digits at {prev} and {i}, w = {w}");
                    }
                    last = Some(i);
                }
            }
        }
    }

    #[test]
    fn tables_hold_the_odd_multiples() {
        let q = *signing_key(7).verifying_key();
        let key = P384Key::new(q);
        let generator = generator_table().unwrap();
        for (table, base) in [
            (key.table().unwrap(), ProjectivePoint::from(*q.as_affine())),
            (&generator[..], ProjectivePoint::GENERATOR),
        ] {
            for (i, point) in table.iter().enumerate() {
                let expected = AffinePoint::from(base * Scalar::from(2 * i as u64 + 1));
                let expected = expected.to_sec1_point(false);
                let bytes = expected.as_bytes();
                assert_eq!(
                    point.x.to_repr().as_slice(),
                    &bytes[1..49],
                    "x of {}P",
                    2 * i + 1
                );
                assert_eq!(
                    point.y.to_repr().as_slice(),
                    &bytes[49..],
                    "y of {}P",
                    2 * i + 1
                );
            }
        }
    }

    /// Same answer as `p384` on valid signatures and on one-bit changes of
    /// every byte of the signature and of the message.
    #[test]
    fn agrees_with_p384_on_valid_and_altered_signatures() {
        let mut compared = 0;
        for seed in [1u8, 2, 0xfe] {
            let sk = signing_key(seed);
            let vk = *sk.verifying_key();
            let key = P384Key::new(vk);
            for len in [0usize, 1, 800] {
                let msg: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed)).collect();
                let sig: Signature = sk.sign(&msg);
                let bytes = sig.to_bytes();
                assert!(key.verify(&msg, &bytes));
                for byte in 0..96 {
                    let mut altered = bytes.to_vec();
                    altered[byte] ^= 1 << (byte % 8);
                    let theirs =
                        Signature::from_slice(&altered).is_ok_and(|s| vk.verify(&msg, &s).is_ok());
                    assert_eq!(key.verify(&msg, &altered), theirs, "signature byte {byte}");
                    assert!(!theirs);
                    compared += 1;
                }
                let mut other = msg.clone();
                other.push(0);
                assert!(!key.verify(&other, &bytes));
            }
        }
        assert_eq!(compared, 3 * 3 * 96);
    }

    /// Crafted digests and signatures that drive the double-and-add into
    /// its exceptional cases: a key equal to `±G`, `u1 = −u2` (the sum is
    /// the point at infinity), `u1 = u2`, scalars `1` and `n − 1`.
    #[test]
    fn agrees_with_p384_on_exceptional_cases() {
        let g = VerifyingKey::from_affine(AffinePoint::GENERATOR).unwrap();
        let minus_g =
            VerifyingKey::from_affine(AffinePoint::from(-ProjectivePoint::GENERATOR)).unwrap();
        let other = *signing_key(3).verifying_key();
        let scalars = [
            Scalar::ONE,
            Scalar::from(2u64),
            Scalar::from(3u64),
            minus_one(),
            minus_one().double(),
        ];
        let mut compared = 0;
        for vk in [g, minus_g, other] {
            let key = P384Key::new(vk);
            for r in scalars {
                for s in scalars {
                    let sig = Signature::from_scalars(r.to_repr(), s.to_repr()).unwrap();
                    // z = r, z = −r, z = 0 and the other scalars as digests.
                    for z in scalars.iter().copied().chain([r, -r, Scalar::ZERO]) {
                        let digest = z.to_repr();
                        let theirs = vk.verify_prehash(&digest, &sig).is_ok();
                        assert_eq!(
                            key.verify_prehash(&digest, &sig),
                            theirs,
                            "r {r:?} s {s:?} z {z:?}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 3 * 5 * 5 * 8);

        // Valid signatures under Q = G: x(u1·G + u2·G) = x(((z + r)/s)·G), so
        // z = k·s − r with r = x(k·G) makes one for any k and s.
        let key = P384Key::new(g);
        let mut valid = 0;
        for k in [Scalar::ONE, Scalar::from(2u64), minus_one()] {
            let point = AffinePoint::from(ProjectivePoint::GENERATOR * k).to_sec1_point(false);
            let x = FieldBytes::try_from(&point.as_bytes()[1..49]).unwrap();
            let r = <Scalar as Reduce<FieldBytes>>::reduce(&x);
            for s in scalars {
                let sig = Signature::from_scalars(r.to_repr(), s.to_repr()).unwrap();
                let digest = (k * s - r).to_repr();
                assert!(g.verify_prehash(&digest, &sig).is_ok());
                assert!(key.verify_prehash(&digest, &sig), "k {k:?} s {s:?}");
                valid += 1;
            }
        }
        assert_eq!(valid, 15);
    }
}
