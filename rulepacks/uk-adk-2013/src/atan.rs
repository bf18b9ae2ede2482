//! A deterministic arctangent.
//!
//! `f64::atan` calls the platform's maths library, which differs in the last
//! bit between the native build (glibc) and the `wasm32-wasip2` component
//! (the pitch of SF-typed in the fixture house came out as
//! 0.5654838881548245 natively and 0.5654838881548244 in the sandbox). The
//! pack must report the same `measured` value wherever it runs, so it
//! computes atan with this port of FreeBSD's `s_atan.c` (as in musl and the
//! `libm` crate), which uses only IEEE-754 basic operations and so gives
//! bit-identical results on every target.
//
// origin: FreeBSD /usr/src/lib/msun/src/s_atan.c
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

const ATANHI: [f64; 4] = [
    f64::from_bits(0x3FDDAC67_0561BB4F), // atan(0.5)hi 4.636_476_090_008_060_935_15e-1
    f64::from_bits(0x3FE921FB_54442D18), // atan(1.0)hi 7.853_981_633_974_482_789_99e-1
    f64::from_bits(0x3FEF730B_D281F69B), // atan(1.5)hi 9.827_937_232_473_290_540_82e-1
    f64::from_bits(0x3FF921FB_54442D18), // atan(inf)hi 1.570_796_326_794_896_558_00e0
];

const ATANLO: [f64; 4] = [
    f64::from_bits(0x3C7A2B7F_222F65E2), // atan(0.5)lo 2.269_877_745_296_168_709_24e-17
    f64::from_bits(0x3C81A626_33145C07), // atan(1.0)lo 3.061_616_997_868_383_017_93e-17
    f64::from_bits(0x3C700788_7AF0CBBD), // atan(1.5)lo 1.390_331_103_123_099_845_16e-17
    f64::from_bits(0x3C91A626_33145C07), // atan(inf)lo 6.123_233_995_736_766_035_87e-17
];

const AT: [f64; 11] = [
    f64::from_bits(0x3FD55555_5555550D), // 3.333_333_333_333_293_180_27e-1
    f64::from_bits(0xBFC99999_9998EBC4), // -1.999_999_999_987_648_324_76e-1
    f64::from_bits(0x3FC24924_920083FF), // 1.428_571_427_250_346_637_11e-1
    f64::from_bits(0xBFBC71C6_FE231671), // -1.111_111_040_546_235_578_80e-1
    f64::from_bits(0x3FB745CD_C54C206E), // 9.090_887_133_436_506_561_96e-2
    f64::from_bits(0xBFB3B0F2_AF749A6D), // -7.691_876_205_044_829_994_95e-2
    f64::from_bits(0x3FB10D66_A0D03D51), // 6.661_073_137_387_531_206_69e-2
    f64::from_bits(0xBFADDE2D_52DEFD9A), // -5.833_570_133_790_573_486_45e-2
    f64::from_bits(0x3FA97B4B_24760DEB), // 4.976_877_994_615_932_360_17e-2
    f64::from_bits(0xBFA2B444_2C6A6C2F), // -3.653_157_274_421_691_552_70e-2
    f64::from_bits(0x3F90AD3A_E322DA11), // 1.628_582_011_536_578_236_23e-2
];

/// Arctangent in radians, in [-π/2, π/2], the same bits on every target.
pub fn atan(x: f64) -> f64 {
    let mut x = x;
    let mut ix = (x.to_bits() >> 32) as u32;
    let sign = ix >> 31;
    ix &= 0x7fff_ffff;
    if ix >= 0x4410_0000 {
        // |x| >= 2^66
        if x.is_nan() {
            return x;
        }
        let z = ATANHI[3] + f64::from_bits(0x0380_0000);
        return if sign != 0 { -z } else { z };
    }
    let id: Option<usize> = if ix < 0x3fdc_0000 {
        // |x| < 0.4375
        if ix < 0x3e40_0000 {
            // |x| < 2^-27
            return x;
        }
        None
    } else {
        x = x.abs();
        if ix < 0x3ff3_0000 {
            // |x| < 1.1875
            if ix < 0x3fe6_0000 {
                // 7/16 <= |x| < 11/16
                x = (2. * x - 1.) / (2. + x);
                Some(0)
            } else {
                // 11/16 <= |x| < 19/16
                x = (x - 1.) / (x + 1.);
                Some(1)
            }
        } else if ix < 0x4003_8000 {
            // |x| < 2.4375
            x = (x - 1.5) / (1. + 1.5 * x);
            Some(2)
        } else {
            // 2.4375 <= |x| < 2^66
            x = -1. / x;
            Some(3)
        }
    };
    let z = x * x;
    let w = z * z;
    // Odd and even halves of the sum of AT[i] z^(i+1).
    let s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
    let s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
    let Some(id) = id else {
        return x - x * (s1 + s2);
    };
    let z = ATANHI[id] - (x * (s1 + s2) - ATANLO[id] - x);
    if sign != 0 {
        -z
    } else {
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_the_documented_values() {
        assert_eq!(ATANHI[0], 4.636_476_090_008_061e-1);
        assert_eq!(ATANHI[3], std::f64::consts::FRAC_PI_2);
        assert_eq!(ATANHI[1], std::f64::consts::FRAC_PI_4);
        assert_eq!(AT[0], 3.333_333_333_333_293e-1);
        assert_eq!(AT[10], 1.628_582_011_536_578_2e-2);
        assert_eq!(ATANLO[3], 6.123_233_995_736_766e-17);
    }

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
        assert_eq!(atan(1.0), std::f64::consts::FRAC_PI_4);
        assert_eq!(atan(f64::INFINITY), std::f64::consts::FRAC_PI_2);
        assert!(atan(f64::NAN).is_nan());
    }
}
