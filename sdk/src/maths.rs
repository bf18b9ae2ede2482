//! Deterministic maths.
//!
//! `f64::atan` and friends call the platform's maths library, which differs
//! in the last bit between a native build (glibc) and the `wasm32-wasip2`
//! component: a stair pitch came out as 0.5654838881548245 natively and
//! 0.5654838881548244 in the sandbox. A pack must report the same
//! `measured` value wherever it runs, so it uses these functions, from the
//! [`libm`] crate (a port of musl's, built only on IEEE-754 basic
//! operations): the same bits on every target.
//!
//! ```
//! use plancheck_sdk::maths::atan;
//! assert_eq!(atan(1.0), std::f64::consts::FRAC_PI_4);
//! ```

pub use libm;

/// Arctangent in radians, in [-π/2, π/2]; the same bits on every target.
pub fn atan(x: f64) -> f64 {
    libm::atan(x)
}

/// The angle of the point (`x`, `y`) from the positive x axis, in
/// radians, in [-π, π]; the same bits on every target.
pub fn atan2(y: f64, x: f64) -> f64 {
    libm::atan2(y, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_platform_within_one_ulp() {
        let mut x = 1e-9;
        while x < 1e9 {
            for v in [x, -x] {
                let (a, b) = (atan(v), v.atan());
                let ulps = (a.to_bits() as i64 - b.to_bits() as i64).abs();
                assert!(ulps <= 1, "atan({v}) = {a}, platform {b}");
            }
            x *= 1.013;
        }
        assert_eq!(atan(0.0), 0.0);
        assert_eq!(atan(f64::INFINITY), std::f64::consts::FRAC_PI_2);
        assert!(atan(f64::NAN).is_nan());
        assert_eq!(atan2(1.0, 1.0), std::f64::consts::FRAC_PI_4);
        assert_eq!(atan2(0.22, 0.24), atan(0.22 / 0.24));
    }

    #[test]
    fn pinned_bits() {
        // SF-typed of the fixture house; glibc gives ...245, wasm's libm ...244.
        let pitch = atan(0.165 / 0.25);
        assert_eq!(pitch.to_bits(), atan(0.66).to_bits());
        assert_eq!(atan(0.22 / 0.24), 0.7419472680059175);
    }
}
