//! Unit conversions shared by every crate: the aviation units of ICAO Annex 5 (nautical
//! mile, foot, knot, feet per minute) against SI.
//!
//! The nautical mile (1,852 m) and the international foot (0.3048 m) are exact by
//! definition; every other factor here is derived from them and from the minute and the hour,
//! so the same conversion gives bit-identical results wherever it is made. Multiply a value in
//! the unit after `_PER_` by the factor to get the unit before it: `gs_kt * MPS_PER_KT` is in
//! metres per second.

/// Metres per nautical mile (exact, ICAO Annex 5).
pub const M_PER_NM: f64 = 1852.0;
/// Metres per foot (the international foot, exact).
pub const M_PER_FT: f64 = 0.3048;
/// Feet per metre.
pub const FT_PER_M: f64 = 1.0 / M_PER_FT;
/// Seconds per minute.
pub const S_PER_MIN: f64 = 60.0;
/// Seconds per hour.
pub const S_PER_H: f64 = 3600.0;
/// Metres per second per knot (1 kt = 1 NM/h).
pub const MPS_PER_KT: f64 = M_PER_NM / S_PER_H;
/// Knots per metre per second.
pub const KT_PER_MPS: f64 = S_PER_H / M_PER_NM;
/// Feet per minute per metre per second.
pub const FPM_PER_MPS: f64 = S_PER_MIN / M_PER_FT;
/// Nautical miles per degree of latitude on a sphere (the nautical mile's original
/// definition, one minute of arc): for flat-earth offsets over short distances only.
pub const NM_PER_DEG_LAT: f64 = 60.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_factors_are_the_published_ones() {
        // 1 kt = 0.514444 m/s, 1 m/s = 196.85 ft/min, 1 m = 3.28084 ft.
        assert!((MPS_PER_KT - 0.514_444).abs() < 1e-6);
        assert!((FPM_PER_MPS - 196.850_4).abs() < 1e-4);
        assert!((FT_PER_M - 3.280_84).abs() < 1e-5);
        assert!((KT_PER_MPS * MPS_PER_KT - 1.0).abs() < 1e-15);
        // The same expressions as written out by hand elsewhere: bit-identical.
        assert_eq!(MPS_PER_KT, 1852.0 / 3600.0);
        assert_eq!(FPM_PER_MPS, 60.0 / 0.3048);
        assert_eq!(FT_PER_M, 1.0 / 0.3048);
    }
}
