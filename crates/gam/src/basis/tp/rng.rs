//! R's default random number generator, reproduced exactly: what mgcv uses
//! to choose a thin plate spline's knots among more than `max.knots`
//! unique covariate points (`set.seed(seed); sample(nu, max.knots)`).
//!
//! Guarantees: for every seed, [`RRng::set_seed`] followed by
//! [`RRng::unif_rand`] or [`RRng::sample`] gives the same numbers as R
//! (3.6 or later, default kinds: `"Mersenne-Twister"`, `"Inversion"`,
//! `"Rejection"`) gives for `set.seed(seed)` followed by `runif` or
//! `sample.int(n, size)` without replacement (for `n <= 1e7`, where R
//! does not switch to its hashing sampler). The unit tests compare with
//! numbers printed by R 4.2.2.
//!
//! The parts, as R's `RNG.c` and `random.c` define them:
//! - `set.seed(s)`: the seed is scrambled by 50 steps of the linear
//!   congruence `s <- 69069 s + 1` (32-bit), and the next 625 steps fill
//!   the generator's state (the first word is the position, reset to 624
//!   so that the first draw regenerates the whole table);
//! - MT19937 tempered output `y`, returned as `y * 2^-32` and kept inside
//!   `(0, 1)`;
//! - `R_unif_index(n)`: rejection sampling of `ceil(log2 n)` random bits,
//!   gathered 16 at a time from `floor(65536 u)`;
//! - sampling without replacement: draw an index among the `n` remaining,
//!   take it, move the last remaining into its place.

/// Words of MT19937 state.
const N: usize = 624;
/// MT19937's middle word offset.
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;
const TEMPERING_MASK_B: u32 = 0x9d2c_5680;
const TEMPERING_MASK_C: u32 = 0xefc6_0000;
/// `2^-32`, R's conversion of a 32-bit word to `[0, 1)`.
const TWO_POW_MINUS_32: f64 = 2.328_306_436_538_696_3e-10;
/// R's `i2_32m1`: the replacement of a draw of exactly 0 or 1 (`fixup`).
const I2_32M1: f64 = 2.328_306_437_080_797e-10;
/// Rounds of the seed's initial scrambling in `set.seed`.
const SCRAMBLE_ROUNDS: usize = 50;

/// R's Mersenne-Twister generator after `set.seed`.
#[derive(Debug, Clone)]
pub(crate) struct RRng {
    mt: [u32; N],
    mti: usize,
}

impl RRng {
    /// The generator as R's `set.seed(seed)` leaves it.
    pub(crate) fn set_seed(seed: i32) -> RRng {
        // R converts the integer seed to an unsigned 32-bit word.
        let mut s = seed as u32;
        for _ in 0..SCRAMBLE_ROUNDS {
            s = s.wrapping_mul(69069).wrapping_add(1);
        }
        // The first of R's 625 seed words is the position (set to N below).
        s = s.wrapping_mul(69069).wrapping_add(1);
        let mut mt = [0u32; N];
        for word in mt.iter_mut() {
            s = s.wrapping_mul(69069).wrapping_add(1);
            *word = s;
        }
        RRng { mt, mti: N }
    }

    /// The next tempered 32-bit output of MT19937.
    fn next_word(&mut self) -> u32 {
        if self.mti >= N {
            let mag = |y: u32| if y & 1 == 0 { 0 } else { MATRIX_A };
            for kk in 0..N - M {
                let y = (self.mt[kk] & UPPER_MASK) | (self.mt[kk + 1] & LOWER_MASK);
                self.mt[kk] = self.mt[kk + M] ^ (y >> 1) ^ mag(y);
            }
            for kk in N - M..N - 1 {
                let y = (self.mt[kk] & UPPER_MASK) | (self.mt[kk + 1] & LOWER_MASK);
                self.mt[kk] = self.mt[kk + M - N] ^ (y >> 1) ^ mag(y);
            }
            let y = (self.mt[N - 1] & UPPER_MASK) | (self.mt[0] & LOWER_MASK);
            self.mt[N - 1] = self.mt[M - 1] ^ (y >> 1) ^ mag(y);
            self.mti = 0;
        }
        let mut y = self.mt[self.mti];
        self.mti += 1;
        y ^= y >> 11;
        y ^= (y << 7) & TEMPERING_MASK_B;
        y ^= (y << 15) & TEMPERING_MASK_C;
        y ^= y >> 18;
        y
    }

    /// R's `unif_rand()`: uniform on `(0, 1)`.
    pub(crate) fn unif_rand(&mut self) -> f64 {
        let u = f64::from(self.next_word()) * TWO_POW_MINUS_32;
        if u <= 0.0 {
            0.5 * I2_32M1
        } else if 1.0 - u <= 0.0 {
            1.0 - 0.5 * I2_32M1
        } else {
            u
        }
    }

    /// R's `rbits(bits)`: `bits` random bits, 16 drawn per `unif_rand`.
    fn rbits(&mut self, bits: u32) -> u64 {
        let mut v: u64 = 0;
        let mut n = 0;
        while n <= bits {
            let v1 = (self.unif_rand() * 65536.0).floor() as u64;
            v = v.wrapping_mul(65536).wrapping_add(v1);
            n += 16;
        }
        v & ((1u64 << bits) - 1)
    }

    /// R's `R_unif_index(n)` with `sample.kind = "Rejection"`: uniform on `0..n`.
    fn unif_index(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let bits = (n as f64).log2().ceil() as u32;
        loop {
            let v = self.rbits(bits);
            if (v as usize) < n {
                return v as usize;
            }
        }
    }

    /// R's `sample.int(n, size)` without replacement, 0-based: `size`
    /// distinct indices below `n`, in the order R draws them. `size` is
    /// capped at `n`.
    pub(crate) fn sample(&mut self, n: usize, size: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (0..n).collect();
        let mut remaining = n;
        let mut out = Vec::with_capacity(size.min(n));
        for _ in 0..size.min(n) {
            let j = self.unif_index(remaining);
            out.push(pool[j]);
            remaining -= 1;
            pool[j] = pool[remaining];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::RRng;

    /// `set.seed(1); sample(5000, 10)` in R 4.2.2 (1-based).
    #[test]
    fn sample_matches_r() {
        let mut r = RRng::set_seed(1);
        let got: Vec<usize> = r.sample(5000, 10).into_iter().map(|i| i + 1).collect();
        assert_eq!(got, vec![1017, 4775, 2177, 1533, 4567, 2347, 270, 4050, 3379, 4065]);
        let mut r = RRng::set_seed(42);
        let got: Vec<usize> = r.sample(100_000, 5).into_iter().map(|i| i + 1).collect();
        assert_eq!(got, vec![61413, 54425, 99556, 74362, 46208]);
        let mut r = RRng::set_seed(123);
        let got: Vec<usize> = r.sample(70_000, 5).into_iter().map(|i| i + 1).collect();
        assert_eq!(got, vec![51663, 57870, 2986, 29925, 68293]);
    }

    /// `set.seed(7); runif(5)` in R 4.2.2, printed with 17 digits (R's digits, kept as printed).
    #[allow(clippy::excessive_precision)]
    #[test]
    fn runif_matches_r() {
        let mut r = RRng::set_seed(7);
        let want = [
            0.988909297855570912,
            0.397745453286916018,
            0.115697778761386871,
            0.069748678710311651,
            0.243749390589073300,
        ];
        for w in want {
            assert_eq!(r.unif_rand(), w);
        }
    }

    /// A negative seed is R's integer as an unsigned word: `set.seed(-3); sample(10)`.
    #[test]
    fn negative_seed_and_full_permutation() {
        let mut r = RRng::set_seed(-3);
        let got: Vec<usize> = r.sample(10, 10).into_iter().map(|i| i + 1).collect();
        assert_eq!(got, NEG3_SAMPLE10.to_vec());
    }

    const NEG3_SAMPLE10: [usize; 10] = [2, 4, 6, 5, 1, 8, 7, 10, 9, 3];
}
