//! Content-addressed keys: SHA-256 over a framed stream of typed, tagged fields.
//!
//! Every field is written as `type code (1 byte) | tag length (u64 LE) | tag |
//! [payload length (u64 LE), or rows and cols for 2-D arrays] | payload`, after a
//! fixed domain prefix. Because the type code and every variable length are in
//! the stream, two different sequences of fields never produce the same bytes:
//! a string and bytes with equal content differ by type code, `("ab", "c")` and
//! `("a", "bc")` differ by tag length, a 2x3 and a 3x2 array differ by shape.
//!
//! Numbers are encoded little-endian whatever the host, and an `f64` is encoded
//! by its bits after two normalisations: `-0.0` becomes `+0.0` and every NaN
//! becomes one canonical quiet NaN, so equal data always give equal keys.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Length of a fingerprint in bytes.
pub const FINGERPRINT_LEN: usize = 32;

/// Written first into every fingerprint, so a key never equals the plain hash of some data.
const DOMAIN: &[u8] = b"warmstart.fingerprint.v1\0";

const CODE_TAG: u8 = 1;
const CODE_BYTES: u8 = 2;
const CODE_STR: u8 = 3;
const CODE_U64: u8 = 4;
const CODE_F64: u8 = 5;
const CODE_F64_SLICE: u8 = 6;
const CODE_F64_2D: u8 = 7;

/// The bits every NaN is hashed as.
const CANONICAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0000;

/// Values per block when hashing arrays: large enough to amortise the hasher
/// call, small enough to live on the stack.
const F64_BLOCK: usize = 512;

/// A 32-byte SHA-256 key identifying a fit's inputs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; FINGERPRINT_LEN]);

impl Fingerprint {
    /// Wraps raw digest bytes.
    pub const fn from_bytes(bytes: [u8; FINGERPRINT_LEN]) -> Self {
        Fingerprint(bytes)
    }

    /// The raw digest bytes.
    pub const fn as_bytes(&self) -> &[u8; FINGERPRINT_LEN] {
        &self.0
    }

    /// The key as 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex characters (either case); anything else gives `None`.
    pub fn from_hex(s: &str) -> Option<Fingerprint> {
        if s.len() != 2 * FINGERPRINT_LEN {
            return None;
        }
        let mut out = [0u8; FINGERPRINT_LEN];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

/// Error of parsing a [`Fingerprint`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a fingerprint: expected 64 hex characters, got {0:?}")]
pub struct ParseFingerprintError(pub String);

impl FromStr for Fingerprint {
    type Err = ParseFingerprintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fingerprint::from_hex(s).ok_or_else(|| ParseFingerprintError(s.to_owned()))
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Fingerprint::from_hex(&s).ok_or_else(|| serde::de::Error::custom(ParseFingerprintError(s.into_owned())))
    }
}

/// The bits an `f64` is hashed as: `-0.0` as `+0.0`, every NaN as one NaN.
#[inline]
pub fn canonical_f64_bits(v: f64) -> u64 {
    if v.is_nan() {
        CANONICAL_NAN_BITS
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

/// Builds a [`Fingerprint`] from a stream of typed, tagged fields.
#[derive(Clone)]
pub struct Fingerprinter {
    hasher: Sha256,
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Self::new()
    }
}

impl Fingerprinter {
    /// Starts an empty fingerprint.
    pub fn new() -> Self {
        let mut hasher = Sha256::new();
        hasher.update(DOMAIN);
        Fingerprinter { hasher }
    }

    fn header(&mut self, code: u8, tag: &[u8]) {
        self.hasher.update([code]);
        self.hasher.update((tag.len() as u64).to_le_bytes());
        self.hasher.update(tag);
    }

    /// Adds a bare tag (a field with no value).
    pub fn absorb_tag(&mut self, tag: &[u8]) -> &mut Self {
        self.header(CODE_TAG, tag);
        self
    }

    /// Adds a byte string under a tag.
    pub fn absorb_bytes(&mut self, tag: &[u8], data: &[u8]) -> &mut Self {
        self.header(CODE_BYTES, tag);
        self.hasher.update((data.len() as u64).to_le_bytes());
        self.hasher.update(data);
        self
    }

    /// Adds a UTF-8 string under a tag.
    pub fn absorb_str(&mut self, tag: &[u8], s: &str) -> &mut Self {
        self.header(CODE_STR, tag);
        self.hasher.update((s.len() as u64).to_le_bytes());
        self.hasher.update(s.as_bytes());
        self
    }

    /// Adds an unsigned integer under a tag.
    pub fn absorb_u64(&mut self, tag: &[u8], v: u64) -> &mut Self {
        self.header(CODE_U64, tag);
        self.hasher.update(v.to_le_bytes());
        self
    }

    /// Adds a float under a tag, by its canonical bits.
    pub fn absorb_f64(&mut self, tag: &[u8], v: f64) -> &mut Self {
        self.header(CODE_F64, tag);
        self.hasher.update(canonical_f64_bits(v).to_le_bytes());
        self
    }

    /// Adds a slice of floats under a tag.
    pub fn absorb_f64_slice(&mut self, tag: &[u8], xs: &[f64]) -> &mut Self {
        self.header(CODE_F64_SLICE, tag);
        self.hasher.update((xs.len() as u64).to_le_bytes());
        self.absorb_f64_values(xs);
        self
    }

    /// Adds a row-major `rows` x `cols` array under a tag.
    ///
    /// # Panics
    /// If `xs.len() != rows * cols`: the shape is part of the key, so a
    /// mismatched one is a bug in the caller, not data.
    pub fn absorb_f64_2d(&mut self, tag: &[u8], rows: usize, cols: usize, xs: &[f64]) -> &mut Self {
        assert_eq!(
            rows.checked_mul(cols),
            Some(xs.len()),
            "absorb_f64_2d: {rows} x {cols} does not match {} values",
            xs.len()
        );
        self.header(CODE_F64_2D, tag);
        self.hasher.update((rows as u64).to_le_bytes());
        self.hasher.update((cols as u64).to_le_bytes());
        self.absorb_f64_values(xs);
        self
    }

    fn absorb_f64_values(&mut self, xs: &[f64]) {
        let mut block = [0u8; F64_BLOCK * 8];
        for chunk in xs.chunks(F64_BLOCK) {
            for (dst, &v) in block.chunks_exact_mut(8).zip(chunk) {
                dst.copy_from_slice(&canonical_f64_bits(v).to_le_bytes());
            }
            self.hasher.update(&block[..chunk.len() * 8]);
        }
    }

    /// Finishes the stream and returns the key.
    pub fn finalize(self) -> Fingerprint {
        Fingerprint(self.hasher.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(f: impl FnOnce(&mut Fingerprinter)) -> Fingerprint {
        let mut h = Fingerprinter::new();
        f(&mut h);
        h.finalize()
    }

    #[test]
    fn rule01_hex_round_trip_and_rejections() {
        let k = fp(|h| {
            h.absorb_str(b"x", "hello");
        });
        let hex = k.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(Fingerprint::from_hex(&hex), Some(k));
        assert_eq!(Fingerprint::from_hex(&hex.to_uppercase()), Some(k));
        assert_eq!(k.to_string(), hex);
        assert_eq!(Fingerprint::from_hex(&hex[..63]), None);
        assert_eq!(Fingerprint::from_hex(&format!("{hex}0")), None);
        assert_eq!(Fingerprint::from_hex(&format!("{}g", &hex[..63])), None);
        assert_eq!(Fingerprint::from_hex(""), None);
        assert_eq!(Fingerprint::from_hex(&format!("{}é", &hex[..62])), None);
        assert_eq!(std::mem::size_of::<Fingerprint>(), 32);
    }

    #[test]
    fn rule02_framing_separates_field_sequences() {
        let bits = 1.5f64.to_bits();
        assert_ne!(
            fp(|h| {
                h.absorb_f64(b"t", 1.5);
            }),
            fp(|h| {
                h.absorb_u64(b"t", bits);
            })
        );
        assert_ne!(
            fp(|h| {
                h.absorb_str(b"t", "abc");
            }),
            fp(|h| {
                h.absorb_bytes(b"t", b"abc");
            })
        );
        assert_ne!(
            fp(|h| {
                h.absorb_tag(b"t");
            }),
            fp(|h| {
                h.absorb_bytes(b"t", b"");
            })
        );
        assert_ne!(
            fp(|h| {
                h.absorb_str(b"ab", "c");
            }),
            fp(|h| {
                h.absorb_str(b"a", "bc");
            })
        );
        assert_ne!(
            fp(|h| {
                h.absorb_str(b"t", "ab").absorb_str(b"t", "c");
            }),
            fp(|h| {
                h.absorb_str(b"t", "a").absorb_str(b"t", "bc");
            })
        );
        let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_ne!(
            fp(|h| {
                h.absorb_f64_2d(b"m", 2, 3, &data);
            }),
            fp(|h| {
                h.absorb_f64_2d(b"m", 3, 2, &data);
            })
        );
        assert_ne!(
            fp(|h| {
                h.absorb_f64_slice(b"m", &data);
            }),
            fp(|h| {
                h.absorb_f64_2d(b"m", 1, 6, &data);
            })
        );
        assert_ne!(
            fp(|h| {
                h.absorb_f64_slice(b"m", &data[..3]).absorb_f64_slice(b"m", &data[3..]);
            }),
            fp(|h| {
                h.absorb_f64_slice(b"m", &data[..2]).absorb_f64_slice(b"m", &data[2..]);
            })
        );
    }

    #[test]
    #[should_panic(expected = "does not match")]
    fn rule02_2d_shape_must_match_data() {
        Fingerprinter::new().absorb_f64_2d(b"m", 2, 2, &[1.0, 2.0, 3.0]);
    }

    #[test]
    fn rule03_stable_known_value_and_float_normalisation() {
        // The expected digest was computed independently with Python:
        // hashlib.sha256(b"warmstart.fingerprint.v1\0" + bytes([5]) + (1).to_bytes(8,"little")
        //   + b"x" + struct.pack("<d", 1.0)).hexdigest()
        let k = fp(|h| {
            h.absorb_f64(b"x", 1.0);
        });
        assert_eq!(k.to_hex(), KNOWN_F64_ONE);
        assert_eq!(
            fp(|h| {
                h.absorb_f64(b"x", -0.0);
            }),
            fp(|h| {
                h.absorb_f64(b"x", 0.0);
            })
        );
        let nan_a = f64::NAN;
        let nan_b = f64::from_bits(0xfff0_0000_0000_0001);
        assert!(nan_b.is_nan());
        assert_eq!(
            fp(|h| {
                h.absorb_f64_slice(b"x", &[nan_a, -0.0]);
            }),
            fp(|h| {
                h.absorb_f64_slice(b"x", &[nan_b, 0.0]);
            })
        );
        // Normalisation must not merge distinct values.
        assert_ne!(
            fp(|h| {
                h.absorb_f64(b"x", 1.0);
            }),
            fp(|h| {
                h.absorb_f64(b"x", 1.0 + f64::EPSILON);
            })
        );
    }

    const KNOWN_F64_ONE: &str = include_str!("../tests/data/known_f64_one.hex");

    #[test]
    fn rule03_slices_longer_than_one_block_hash_every_value() {
        let mut xs: Vec<f64> = (0..3 * F64_BLOCK + 7).map(|i| i as f64).collect();
        let a = fp(|h| {
            h.absorb_f64_slice(b"x", &xs);
        });
        *xs.last_mut().unwrap() += 1.0;
        let b = fp(|h| {
            h.absorb_f64_slice(b"x", &xs);
        });
        assert_ne!(a, b);
    }

    #[test]
    fn serde_round_trip_as_hex_string() {
        let k = fp(|h| {
            h.absorb_u64(b"n", 7);
        });
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{}\"", k.to_hex()));
        let back: Fingerprint = serde_json::from_str(&json).unwrap();
        assert_eq!(back, k);
        assert!(serde_json::from_str::<Fingerprint>("\"abc\"").is_err());
    }
}
