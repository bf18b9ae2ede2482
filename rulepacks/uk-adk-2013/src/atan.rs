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
    4.636_476_090_008_060_935_15e-1, // atan(0.5)hi 0x3FDDAC67, 0x0561BB4F
    7.853_981_633_974_482_789_99e-1, // atan(1.0)hi 0x3FE921FB, 0x54442D18
    9.827_937_232_473_290_540_82e-1, // atan(1.5)hi 0x3FEF730B, 0xD281F69B
    1.570_796_326_794_896_558_00e0,  // atan(inf)hi 0x3FF921FB, 0x54442D18
];

const ATANLO: [f64; 4] = [
    2.269_877_745_296_168_709_24e-17, // atan(0.5)lo 0x3C7A2B7F, 0x222F65E2
    3.061_616_997_868_383_017_93e-17, // atan(1.0)lo 0x3C81A626, 0x33145C07
    1.390_331_103_123_099_845_16e-17, // atan(1.5)lo 0x3C700788, 0x7AF0CBBD
    6.123_233_995_736_766_035_87e-17, // atan(inf)lo 0x3C91A626, 0x33145C07
];

const AT: [f64; 11] = [
    3.333_333_333_333_293_180_27e-1,  // 0x3FD55555, 0x5555550D
    -1.999_999_999_987_648_324_76e-1, // 0xBFC99999, 0x9998EBC4
    1.428_571_427_250_346_637_11e-1,  // 0x3FC24924, 0x920083FF
    -1.111_111_040_546_235_578_80e-1, // 0xBFBC71C6, 0xFE231671
    9.090_887_133_436_506_561_96e-2,  // 0x3FB745CD, 0xC54C206E
    -7.691_876_205_044_829_994_95e-2, // 0xBFB3B0F2, 0xAF749A6D
    6.661_073_137_387_531_206_69e-2,  // 0x3FB10D66, 0xA0D03D51
    -5.833_570_133_790_573_486_45e-2, // 0xBFADDE2D, 0x52DEFD9A
    4.976_877_994_615_932_360_17e-2,  // 0x3FA97B4B, 0x24760DEB
    -3.653_157_274_421_691_552_70e-2, // 0xBFA2B444, 0x2C6A6C2F
    1.628_582_011_536_578_236_23e-2,  // 0x3F90AD3A, 0xE322DA11
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
    fn constants_are_the_intended_bits() {
        let hi = [
            0x3FDD_AC67_0561_BB4F_u64,
            0x3FE9_21FB_5444_2D18,
            0x3FEF_730B_D281_F69B,
            0x3FF9_21FB_5444_2D18,
        ];
        let lo = [
            0x3C7A_2B7F_222F_65E2_u64,
            0x3C81_A626_3314_5C07,
            0x3C70_0788_7AF0_CBBD,
            0x3C91_A626_3314_5C07,
        ];
        let at = [
            0x3FD5_5555_5555_550D_u64,
            0xBFC9_9999_9998_EBC4,
            0x3FC2_4924_9200_83FF,
            0xBFBC_71C6_FE23_1671,
            0x3FB7_45CD_C54C_206E,
            0xBFB3_B0F2_AF74_9A6D,
            0x3FB1_0D66_A0D0_3D51,
            0xBFAD_DE2D_52DE_FD9A,
            0x3FA9_7B4B_2476_0DEB,
            0xBFA2_B444_2C6A_6C2F,
            0x3F90_AD3A_E322_DA11,
        ];
        for i in 0..4 {
            assert_eq!(ATANHI[i].to_bits(), hi[i], "ATANHI[{i}]");
            assert_eq!(ATANLO[i].to_bits(), lo[i], "ATANLO[{i}]");
        }
        for i in 0..11 {
            assert_eq!(AT[i].to_bits(), at[i], "AT[{i}]");
        }
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
