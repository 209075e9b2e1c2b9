//! ES256 and ES384 verification for the default (RustCrypto) backend, on
//! the `p256` and `p384` crates' own field and scalar arithmetic.
//!
//! Those crates' `verify` computes `u1·G + u2·Q` with complete projective
//! formulas and builds the window tables of both points on every call. A
//! relying party verifies many tokens under the same few keys, and every
//! input of a verification is public, so this module:
//!
//! - keeps, per key, the odd multiples `Q, 3Q, …, 15Q` in affine form,
//!   computed once, on the key's first verification;
//! - keeps, per curve, the odd multiples `G, 3G, …, 127G` of the generator,
//!   computed once per process;
//! - runs one interleaved wNAF double-and-add in Jacobian coordinates, with
//!   the `a = −3` doubling (3M + 5S) and mixed additions (7M + 4S), in
//!   variable time: nothing secret is involved in a verification.
//!
//! The key is validated as a curve point by `p256`/`p384` before it gets
//! here; `r` and `s` must lie in `[1, n − 1]`; the digest is reduced as
//! `ecdsa::hazmat::verify_prehashed` reduces it, and the final comparison
//! is the same `r == x mod n`. The unit tests compare the result with the
//! crates' own `verify` on valid signatures, on altered ones and on
//! crafted scalars that reach the exceptional cases of the addition; the
//! Wycheproof ECDSA vectors of both curves run through it too.

use std::sync::OnceLock;

use p384::elliptic_curve::ff::{Field, PrimeField};
use p384::elliptic_curve::hazmat::FieldArithmetic;
use p384::elliptic_curve::ops::{Invert, Reduce};
use p384::elliptic_curve::sec1::ToSec1Point;
use p384::elliptic_curve::{FieldBytes, subtle::CtOption};
use sha2::Digest as _;

/// Window of the key's wNAF: `2^(5−2) = 8` odd multiples per key.
const KEY_WINDOW: usize = 5;
/// Window of the generator's wNAF: `2^(8−2) = 64` odd multiples, once.
const GEN_WINDOW: usize = 8;
/// The key's table: `Q, 3Q, …, 15Q`.
const KEY_TABLE: usize = 1 << (KEY_WINDOW - 2);
/// The generator's table: `G, 3G, …, 127G`.
const GEN_TABLE: usize = 1 << (GEN_WINDOW - 2);
/// wNAF digits of a scalar below `n < 2^384` (one more for the last carry);
/// a P-256 scalar leaves the top ones zero.
const DIGITS: usize = 385;

/// A short Weierstrass curve with `a = −3` whose field and scalar
/// arithmetic this module borrows: NIST P-256 and P-384.
pub(crate) trait Curve: FieldArithmetic + Sized + 'static {
    /// The hash of the curve's JWS algorithm (SHA-256 for ES256, SHA-384
    /// for ES384), whose output is as long as a field element.
    fn digest(message: &[u8]) -> FieldBytes<Self>;

    /// The uncompressed SEC1 encoding of the generator.
    fn generator_sec1() -> Vec<u8>;

    /// The generator's odd multiples, computed on first use.
    fn generator_table() -> Option<&'static [Affine<Self>; GEN_TABLE]>;
}

/// `Curve` for one of the crates: its curve type, the crate, the hash.
macro_rules! curve {
    ($curve:ty, $krate:ident, $hash:ty) => {
        impl Curve for $curve {
            fn digest(message: &[u8]) -> FieldBytes<Self> {
                <$hash>::digest(message)
            }

            fn generator_sec1() -> Vec<u8> {
                $krate::AffinePoint::GENERATOR
                    .to_sec1_point(false)
                    .as_bytes()
                    .to_vec()
            }

            fn generator_table() -> Option<&'static [Affine<Self>; GEN_TABLE]> {
                static TABLE: OnceLock<Option<[Affine<$curve>; GEN_TABLE]>> = OnceLock::new();
                TABLE
                    .get_or_init(|| odd_multiples(&Affine::from_sec1(&Self::generator_sec1())?))
                    .as_ref()
            }
        }
    };
}

curve!(p256::NistP256, p256, sha2::Sha256);
curve!(p384::NistP384, p384, sha2::Sha384);

/// An element of the curve's base field.
type Fe<C> = <C as FieldArithmetic>::FieldElement;
/// An integer modulo the curve's order `n`.
type Scalar<C> = <C as p384::elliptic_curve::CurveArithmetic>::Scalar;

/// A finite point in affine coordinates.
pub(crate) struct Affine<C: Curve> {
    x: Fe<C>,
    y: Fe<C>,
}

// Derived impls would ask `C` itself to be `Clone`/`Copy`.
impl<C: Curve> Clone for Affine<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C: Curve> Copy for Affine<C> {}

impl<C: Curve> Affine<C> {
    /// A point given as an uncompressed SEC1 encoding `04 || x || y`.
    fn from_sec1(bytes: &[u8]) -> Option<Self> {
        let (&tag, coords) = bytes.split_first()?;
        let len = FieldBytes::<C>::default().len();
        if tag != 4 || coords.len() != 2 * len {
            return None;
        }
        let (x, y) = coords.split_at(len);
        Some(Affine {
            x: field_element::<C>(x)?,
            y: field_element::<C>(y)?,
        })
    }
}

impl<C: Curve> Affine<C> {
    /// Whether the point satisfies `y² = x³ − 3x + b`, the curve's
    /// equation, `b` taken from the generator.
    fn is_on_curve(&self) -> bool {
        let Some(g) = Affine::<C>::from_sec1(&C::generator_sec1()) else {
            return false;
        };
        // y² − x³ + 3x, which is b on the curve.
        let b = |p: &Affine<C>| p.y.square() - p.x.square() * p.x + p.x.double() + p.x;
        b(self) == b(&g)
    }
}

/// A canonical big-endian field element.
fn field_element<C: Curve>(bytes: &[u8]) -> Option<Fe<C>> {
    let repr = FieldBytes::<C>::try_from(bytes).ok()?;
    Option::from(Fe::<C>::from_repr(repr))
}

/// A finite point in Jacobian coordinates, `(X/Z², Y/Z³)`; the point at
/// infinity is `None` where it can occur.
struct Jacobian<C: Curve> {
    x: Fe<C>,
    y: Fe<C>,
    z: Fe<C>,
}

impl<C: Curve> Clone for Jacobian<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C: Curve> Copy for Jacobian<C> {}

impl<C: Curve> Jacobian<C> {
    fn from_affine(p: &Affine<C>) -> Self {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::<C>::ONE,
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
    fn add_affine(p: Option<&Self>, q: &Affine<C>) -> Option<Self> {
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

    fn to_affine(self) -> Option<Affine<C>> {
        let zinv = Option::<Fe<C>>::from(self.z.invert_vartime())?;
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
fn odd_multiples<C: Curve, const LEN: usize>(p: &Affine<C>) -> Option<[Affine<C>; LEN]> {
    let twice = Jacobian::from_affine(p).double().to_affine()?;
    let mut points = [Jacobian::from_affine(p); LEN];
    let mut acc = Jacobian::from_affine(p);
    for slot in points.iter_mut().skip(1) {
        acc = Jacobian::add_affine(Some(&acc), &twice)?;
        *slot = acc;
    }
    // Montgomery's trick: invert the product of the Z coordinates once,
    // then peel each inverse off it.
    let mut prefix = [Fe::<C>::ONE; LEN];
    let mut running = Fe::<C>::ONE;
    for (product, point) in prefix.iter_mut().zip(&points) {
        *product = running;
        running *= point.z;
    }
    let mut inverse = Option::<Fe<C>>::from(running.invert_vartime())?;
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

/// The width-`w` non-adjacent form of `k` (big-endian bytes of a scalar):
/// digits odd or zero, each of magnitude below `2^(w−1)`, with at least
/// `w − 1` zeros between two nonzero digits, least significant first.
fn wnaf(k: &[u8], w: usize) -> [i8; DIGITS] {
    // Little-endian 64-bit limbs, one spare for the reads past the top.
    let mut limbs = [0u64; 7];
    for (limb, chunk) in limbs.iter_mut().zip(k.rchunks_exact(8)) {
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
fn lookup<C: Curve>(table: &[Affine<C>], digit: i8) -> Option<Affine<C>> {
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

/// A scalar in `[1, n − 1]` from its big-endian encoding, as
/// `ecdsa::Signature::from_slice` requires of `r` and `s`.
fn nonzero_scalar<C: Curve>(bytes: &[u8]) -> Option<Scalar<C>> {
    let repr = FieldBytes::<C>::try_from(bytes).ok()?;
    let k: CtOption<Scalar<C>> = Scalar::<C>::from_repr(repr);
    Option::<Scalar<C>>::from(k).filter(|k| !bool::from(k.is_zero()))
}

/// An ECDSA public key ready for repeated verifications.
pub(crate) struct EcdsaKey<C: Curve> {
    /// The key, a point `p256`/`p384` validated.
    point: Affine<C>,
    /// `Q, 3Q, …, 15Q`, computed on the first verification (a few percent
    /// of one), so that loading a key set stays cheap.
    table: OnceLock<Option<Box<[Affine<C>; KEY_TABLE]>>>,
}

impl<C: Curve> Clone for EcdsaKey<C> {
    fn clone(&self) -> Self {
        EcdsaKey {
            point: self.point,
            table: self.table.clone(),
        }
    }
}

impl<C: Curve> EcdsaKey<C> {
    /// A key from the uncompressed SEC1 encoding of a point (which `p256`
    /// or `p384` has validated already; checked again here, so that no
    /// caller can bring a point off the curve).
    pub(crate) fn from_sec1(point: &[u8]) -> Result<Self, String> {
        let point = Affine::from_sec1(point)
            .filter(Affine::is_on_curve)
            .ok_or_else(|| "the EC key is not an uncompressed curve point".to_owned())?;
        Ok(EcdsaKey {
            point,
            table: OnceLock::new(),
        })
    }

    /// The key's odd multiples.
    fn table(&self) -> Option<&[Affine<C>]> {
        self.table
            .get_or_init(|| odd_multiples(&self.point).map(Box::new))
            .as_deref()
            .map(|table| table.as_slice())
    }

    /// Whether `signature` (fixed-size `r || s`) is a valid signature of
    /// `message` under this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let len = FieldBytes::<C>::default().len();
        if signature.len() != 2 * len {
            return false;
        }
        let (r, s) = signature.split_at(len);
        let (Some(r), Some(s)) = (nonzero_scalar::<C>(r), nonzero_scalar::<C>(s)) else {
            return false;
        };
        self.verify_prehash(&C::digest(message), &r, &s)
    }

    /// The ECDSA check on a digest `z`: `r == x(u1·G + u2·Q) mod n` with
    /// `u1 = z/s`, `u2 = r/s`.
    fn verify_prehash(&self, digest: &FieldBytes<C>, r: &Scalar<C>, s: &Scalar<C>) -> bool {
        let (Some(gen_table), Some(key_table)) = (C::generator_table(), self.table()) else {
            return false;
        };
        let z = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(digest);
        let Some(s_inv) = Option::<Scalar<C>>::from(Invert::invert_vartime(s)) else {
            return false;
        };
        let u1 = wnaf(&(z * s_inv).to_repr(), GEN_WINDOW);
        let u2 = wnaf(&(*r * s_inv).to_repr(), KEY_WINDOW);

        let mut acc: Option<Jacobian<C>> = None;
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
        <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&x.to_repr()) == *r
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// `Σ dᵢ·2ⁱ mod n`.
    fn from_digits<C: Curve>(digits: &[i8]) -> Scalar<C> {
        digits.iter().rev().fold(Scalar::<C>::ZERO, |acc, &d| {
            let d_abs = Scalar::<C>::from(u64::from(d.unsigned_abs()));
            acc.double() + if d < 0 { -d_abs } else { d_abs }
        })
    }

    /// The wNAF of 1, 2, n − 1, n − 2, the top bit and its neighbours and
    /// spread-out scalars adds back up to the scalar, with odd digits below
    /// `2^(w−1)` at least `w` positions apart.
    fn wnaf_rebuilds<C: Curve>(bits: usize) {
        let minus_one = -Scalar::<C>::ONE;
        let mut top = Scalar::<C>::ONE;
        for _ in 0..bits - 1 {
            top = top.double();
        }
        let mut scalars = vec![
            Scalar::<C>::ONE,
            Scalar::<C>::from(2u64),
            minus_one,
            minus_one.double(),
            top,
            top - Scalar::<C>::ONE,
            top + Scalar::<C>::ONE,
        ];
        let mut k = Scalar::<C>::from(0x9e37_79b9_7f4a_7c15u64);
        for _ in 0..40 {
            k = k * k + minus_one.double();
            scalars.push(k);
        }
        for k in &scalars {
            for w in [KEY_WINDOW, GEN_WINDOW] {
                let digits = wnaf(&k.to_repr(), w);
                assert!(from_digits::<C>(&digits) == *k, "w = {w}");
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

    macro_rules! curve_tests {
        ($name:ident, $crate_:ident, $curve:ty, $bits:expr) => {
            mod $name {
                use super::*;
                use $crate_::ecdsa::signature::hazmat::PrehashVerifier as _;
                use $crate_::ecdsa::signature::{Signer as _, Verifier as _};
                use $crate_::ecdsa::{Signature, SigningKey, VerifyingKey};
                use $crate_::{AffinePoint, ProjectivePoint};

                type C = $curve;
                const LEN: usize = $bits / 8;

                fn signing_key(seed: u8) -> SigningKey {
                    let mut secret = [seed; LEN];
                    secret[0] = 0x11;
                    SigningKey::from_bytes(&secret.into()).unwrap()
                }

                fn key(vk: &VerifyingKey) -> EcdsaKey<C> {
                    EcdsaKey::from_sec1(vk.to_sec1_point(false).as_bytes()).unwrap()
                }

                fn minus_one() -> Scalar<C> {
                    -Scalar::<C>::ONE
                }

                #[test]
                fn wnaf_digits_rebuild_the_scalar_and_keep_their_shape() {
                    wnaf_rebuilds::<C>($bits);
                }

                #[test]
                fn a_point_off_the_curve_is_refused() {
                    let q = *signing_key(7).verifying_key();
                    let good = q.to_sec1_point(false).as_bytes().to_vec();
                    assert!(EcdsaKey::<C>::from_sec1(&good).is_ok());
                    let mut off = good.clone();
                    off[2 * LEN] ^= 1;
                    assert!(EcdsaKey::<C>::from_sec1(&off).is_err());
                    let mut compressed = good[..=LEN].to_vec();
                    compressed[0] = 2;
                    assert!(EcdsaKey::<C>::from_sec1(&compressed).is_err());
                    assert!(EcdsaKey::<C>::from_sec1(&good[1..]).is_err());
                    // A coordinate ≥ p.
                    let mut big = good;
                    big[1..=LEN].fill(0xff);
                    assert!(EcdsaKey::<C>::from_sec1(&big).is_err());
                }

                #[test]
                fn tables_hold_the_odd_multiples() {
                    let q = *signing_key(7).verifying_key();
                    let key = key(&q);
                    let generator = C::generator_table().unwrap();
                    for (table, base) in [
                        (key.table().unwrap(), ProjectivePoint::from(*q.as_affine())),
                        (&generator[..], ProjectivePoint::GENERATOR),
                    ] {
                        for (i, point) in table.iter().enumerate() {
                            let k = Scalar::<C>::from(2 * i as u64 + 1);
                            let expected = AffinePoint::from(base * k).to_sec1_point(false);
                            let bytes = expected.as_bytes();
                            assert_eq!(
                                point.x.to_repr().as_slice(),
                                &bytes[1..=LEN],
                                "x of {k:?}P"
                            );
                            assert_eq!(
                                point.y.to_repr().as_slice(),
                                &bytes[LEN + 1..],
                                "y of {k:?}P"
                            );
                        }
                    }
                }

                /// Same answer as the crate's `verify` on valid signatures
                /// and on a one-bit change of each byte of them.
                #[test]
                fn agrees_on_valid_and_altered_signatures() {
                    let mut compared = 0;
                    for seed in [1u8, 2, 0xfe] {
                        let sk = signing_key(seed);
                        let vk = *sk.verifying_key();
                        let key = key(&vk);
                        for len in [0usize, 1, 800] {
                            let msg: Vec<u8> =
                                (0..len).map(|i| (i as u8).wrapping_mul(seed)).collect();
                            let sig: Signature = sk.sign(&msg);
                            let bytes = sig.to_bytes();
                            assert!(key.verify(&msg, &bytes));
                            for byte in 0..2 * LEN {
                                let mut altered = bytes.to_vec();
                                altered[byte] ^= 1 << (byte % 8);
                                let theirs = Signature::from_slice(&altered)
                                    .is_ok_and(|s| vk.verify(&msg, &s).is_ok());
                                assert!(!theirs);
                                assert!(!key.verify(&msg, &altered), "signature byte {byte}");
                                compared += 1;
                            }
                            let mut other = msg.clone();
                            other.push(0);
                            assert!(!key.verify(&other, &bytes));
                            // Wrong lengths, r = 0, s = 0, r = n.
                            assert!(!key.verify(&msg, &bytes[1..]));
                            let mut long = bytes.to_vec();
                            long.push(0);
                            assert!(!key.verify(&msg, &long));
                            let (r, s) = bytes.split_at(LEN);
                            let zero = [0u8; LEN];
                            assert!(!key.verify(&msg, &[&zero[..], s].concat()));
                            assert!(!key.verify(&msg, &[r, &zero[..]].concat()));
                            // n itself: n − 1 plus one in its last byte (both
                            // orders end in an odd byte below 0xff).
                            let mut n_bytes = minus_one().to_repr();
                            n_bytes[LEN - 1] += 1;
                            assert!(!key.verify(&msg, &[n_bytes.as_slice(), s].concat()));
                        }
                    }
                    assert_eq!(compared, 3 * 3 * 2 * LEN);
                }

                /// Crafted digests and signatures that drive the
                /// double-and-add into its exceptional cases: a key equal to
                /// `±G`, `u1 = −u2` (the sum is the point at infinity),
                /// `u1 = u2`, scalars `1` and `n − 1`.
                #[test]
                fn agrees_on_exceptional_cases() {
                    let g = VerifyingKey::from_affine(AffinePoint::GENERATOR).unwrap();
                    let minus_g =
                        VerifyingKey::from_affine(AffinePoint::from(-ProjectivePoint::GENERATOR))
                            .unwrap();
                    let other = *signing_key(3).verifying_key();
                    let scalars = [
                        Scalar::<C>::ONE,
                        Scalar::<C>::from(2u64),
                        Scalar::<C>::from(3u64),
                        minus_one(),
                        minus_one().double(),
                    ];
                    let mut compared = 0;
                    for vk in [g, minus_g, other] {
                        let key = key(&vk);
                        for r in scalars {
                            for s in scalars {
                                let sig =
                                    Signature::from_scalars(r.to_repr(), s.to_repr()).unwrap();
                                for z in scalars.iter().copied().chain([r, -r, Scalar::<C>::ZERO]) {
                                    let digest = z.to_repr();
                                    let theirs = vk.verify_prehash(&digest, &sig).is_ok();
                                    let ours = key.verify_prehash(&digest, &r, &s);
                                    assert_eq!(ours, theirs, "r {r:?} s {s:?} z {z:?}");
                                    compared += 1;
                                }
                            }
                        }
                    }
                    assert_eq!(compared, 3 * 5 * 5 * 8);

                    // Valid signatures under Q = G: x(u1·G + u2·G) =
                    // x(((z + r)/s)·G), so z = k·s − r with r = x(k·G) makes
                    // one for any k and s.
                    let key = key(&g);
                    let mut valid = 0;
                    for k in [Scalar::<C>::ONE, Scalar::<C>::from(2u64), minus_one()] {
                        let point =
                            AffinePoint::from(ProjectivePoint::GENERATOR * k).to_sec1_point(false);
                        let x = FieldBytes::<C>::try_from(&point.as_bytes()[1..=LEN]).unwrap();
                        let r = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&x);
                        for s in scalars {
                            let sig = Signature::from_scalars(r.to_repr(), s.to_repr()).unwrap();
                            let digest = (k * s - r).to_repr();
                            assert!(vk_accepts(&g, &digest, &sig));
                            assert!(key.verify_prehash(&digest, &r, &s), "k {k:?} s {s:?}");
                            valid += 1;
                        }
                    }
                    assert_eq!(valid, 15);
                }

                fn vk_accepts(vk: &VerifyingKey, digest: &[u8], sig: &Signature) -> bool {
                    vk.verify_prehash(digest, sig).is_ok()
                }
            }
        };
    }

    curve_tests!(p256_curve, p256, p256::NistP256, 256);
    curve_tests!(p384_curve, p384, p384::NistP384, 384);
}
