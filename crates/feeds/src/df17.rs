//! DF17 extended squitter encoding: the inverse of what [`crate::modes`] decodes (with
//! `rs1090`), for the simulator's Beast output ([`crate::beast::BeastFrame::mode_s`] wraps
//! the 14-byte messages).
//!
//! Message layouts are those of RTCA DO-260B (ADS-B Version 2): the 112-bit DF17 frame
//! (DF = 17, CA = 5, the 24-bit ICAO address, a 56-bit ME field, then the 24-bit Mode S
//! parity of ICAO Annex 10 Vol. IV), and in the ME field
//! aircraft identification (TC 4, 6-bit characters), airborne position with barometric
//! altitude (TC 11, 25 ft altitude with the Q bit, 17-bit CPR latitude and longitude,
//! DO-260B §A.1.7) and airborne velocity over ground (TC 19 subtype 1, knots and 64 ft/min
//! steps).

/// CRC-24 parity of Mode S (generator 0x1FFF409), over all but the last 3 bytes.
pub fn crc24(msg: &[u8]) -> u32 {
    let mut crc: u32 = 0;
    for &b in msg {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x100_0000 != 0 {
                crc ^= 0x1FF_F409;
            }
        }
    }
    crc & 0xFF_FFFF
}

fn finish(icao: u32, me: u64) -> [u8; 14] {
    let mut m = [0u8; 14];
    m[0] = (17 << 3) | 5;
    m[1] = (icao >> 16) as u8;
    m[2] = (icao >> 8) as u8;
    m[3] = icao as u8;
    m[4..11].copy_from_slice(&me.to_be_bytes()[1..8]);
    let crc = crc24(&m[..11]);
    m[11] = (crc >> 16) as u8;
    m[12] = (crc >> 8) as u8;
    m[13] = crc as u8;
    m
}

/// Aircraft identification (TC 4).
pub fn identification(icao: u32, callsign: &str) -> [u8; 14] {
    const CHARS: &[u8; 64] = b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######";
    let mut me: u64 = 4 << 51;
    let bytes = callsign.as_bytes();
    for i in 0..8 {
        let c = bytes.get(i).copied().unwrap_or(b' ').to_ascii_uppercase();
        let code = CHARS
            .iter()
            .position(|&x| x == c && c != b'#')
            .unwrap_or(32) as u64;
        me |= code << (42 - 6 * i);
    }
    finish(icao, me)
}

fn nl(lat: f64) -> f64 {
    if lat.abs() >= 87.0 {
        return 1.0;
    }
    let nz = 15.0;
    let a = 1.0 - (std::f64::consts::PI / (2.0 * nz)).cos();
    let b = lat.to_radians().cos().powi(2);
    (2.0 * std::f64::consts::PI / (1.0 - a / b).acos()).floor()
}

/// CPR encoding (DO-260B §A.1.7.4) of a position, 17-bit airborne format.
pub fn cpr_encode(lat: f64, lon: f64, odd: bool) -> (u32, u32) {
    let i = if odd { 1.0 } else { 0.0 };
    let dlat = 360.0 / (60.0 - i);
    let yz = (131_072.0 * (lat.rem_euclid(dlat) / dlat) + 0.5).floor();
    let rlat = dlat * (yz / 131_072.0 + (lat / dlat).floor());
    let nl_r = nl(rlat);
    let dlon = 360.0 / (nl_r - i).max(1.0);
    let xz = (131_072.0 * (lon.rem_euclid(dlon) / dlon) + 0.5).floor();
    ((yz as u32) & 0x1FFFF, (xz as u32) & 0x1FFFF)
}

/// Airborne position with barometric altitude (TC 11, 25 ft Q-bit altitude).
pub fn airborne_position(icao: u32, lat: f64, lon: f64, alt_ft: f64, odd: bool) -> [u8; 14] {
    let n = (((alt_ft + 1000.0) / 25.0).round().clamp(0.0, 2047.0)) as u64;
    // 12-bit altitude: 7 high bits, Q = 1, 4 low bits.
    let alt = ((n >> 4) << 5) | 0x10 | (n & 0xF);
    let (yz, xz) = cpr_encode(lat, lon, odd);
    let me: u64 =
        (11 << 51) | (alt << 36) | (u64::from(odd) << 34) | (u64::from(yz) << 17) | u64::from(xz);
    finish(icao, me)
}

/// Airborne velocity over ground, subsonic (TC 19 subtype 1).
pub fn velocity(icao: u32, gs_kt: f64, trk_deg: f64, vs_fpm: f64) -> [u8; 14] {
    let t = trk_deg.to_radians();
    let ve = gs_kt * t.sin();
    let vn = gs_kt * t.cos();
    let enc =
        |v: f64| -> (u64, u64) { (u64::from(v < 0.0), ((v.abs().round() as u64) + 1).min(1023)) };
    let (sew, vew) = enc(ve);
    let (sns, vns) = enc(vn);
    let svr = u64::from(vs_fpm < 0.0);
    let vr = (((vs_fpm.abs() / 64.0).round() as u64) + 1).min(511);
    let me: u64 = (19 << 51)
        | (1 << 48)
        | (sew << 42)
        | (vew << 32)
        | (sns << 31)
        | (vns << 21)
        | (svr << 19)
        | (vr << 10);
    finish(icao, me)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beast::{BeastFrame, BeastFramer, MLAT_TICKS_PER_S};
    use crate::modes::ModeSDecoder;
    use crate::observation::icao_id;
    use std::collections::HashMap;
    use std::sync::Arc;

    #[test]
    fn encoded_messages_decode() {
        let feed: Arc<str> = Arc::from("x");
        let mut dec = ModeSDecoder::new(None);
        let id = dec
            .decode(&identification(0xAE1001, "VIPER11"), 0.0, &feed)
            .unwrap();
        assert_eq!(id.callsign.as_deref(), Some("VIPER11"));
        let v = dec
            .decode(&velocity(0xAE1001, 480.0, 90.0, -1280.0), 0.0, &feed)
            .unwrap();
        assert!(
            (v.gs_kt.unwrap() - 480.0).abs() < 1.0 && (v.trk_deg.unwrap() - 90.0).abs() < 0.5,
            "{v:?}"
        );
        assert_eq!(v.vs_fpm, Some(-1280.0));
    }

    /// (ICAO address, lat, lon, altitude ft, ground speed kt, track deg, vertical rate ft/min)
    type Truth = (u32, f64, f64, f64, f64, f64, f64);

    #[test]
    fn encode_frame_and_decode_round_trip() {
        // Every hemisphere, both sides of the antimeridian, high latitude, low and high
        // levels; addresses and times whose bytes include the Beast escape 0x1a.
        let truth: [Truth; 6] = [
            (0xAE1001, 36.3, 37.6, 25_000.0, 480.0, 90.0, -1280.0),
            (0x7C1A1A, -33.95, 151.18, 250.0, 160.0, 340.0, 704.0),
            (0x1A2B3C, 51.47, -0.45, 41_000.0, 455.0, 225.0, 0.0),
            (0x4B8001, 64.8, -147.9, 12_500.0, 300.0, 1.0, 2_496.0),
            (0xC0FFEE, -17.5, 179.95, 37_000.0, 510.0, 269.0, -64.0),
            (0x3C6586, 0.2, -179.97, 5_000.0, 220.0, 180.0, -3_008.0),
        ];
        let t0_s = 1_700_000_000.0 + f64::from(0x1a) / MLAT_TICKS_PER_S;
        let mut wire = Vec::new();
        for (k, odd) in [false, true].into_iter().enumerate() {
            let ticks = ((t0_s + k as f64) * MLAT_TICKS_PER_S) as u64;
            for &(icao, lat, lon, alt, gs, trk, vs) in &truth {
                for m in [
                    identification(icao, "TEST1A"),
                    airborne_position(icao, lat, lon, alt, odd),
                    velocity(icao, gs, trk, vs),
                ] {
                    BeastFrame::mode_s(&m, ticks, 0x1a)
                        .expect("a 14-byte Mode S message")
                        .encode_into(&mut wire);
                }
            }
        }
        assert!(
            wire.windows(2).any(|w| w == [0x1a, 0x1a]),
            "escapes exercised"
        );

        let feed: Arc<str> = Arc::from("x");
        let mut framer = BeastFramer::new();
        framer.push(&wire);
        let mut dec = ModeSDecoder::new(None);
        let mut position = HashMap::new();
        let mut motion = HashMap::new();
        let mut frames = 0;
        while let Some(f) = framer.next_frame() {
            frames += 1;
            let o = dec
                .decode(f.payload(), f.mlat_ticks as f64 / MLAT_TICKS_PER_S, &feed)
                .unwrap();
            assert_eq!(o.callsign.as_deref().unwrap_or("TEST1A"), "TEST1A");
            if o.has_position() {
                position.insert(o.id.clone(), o);
            } else if o.gs_kt.is_some() {
                motion.insert(o.id.clone(), o);
            }
        }
        assert_eq!(frames, 2 * 3 * truth.len());
        for &(icao, lat, lon, alt, gs, trk, vs) in &truth {
            let id = icao_id(icao);
            let p = &position[&id];
            // 17-bit CPR: about 5 m; 25 ft altitude steps.
            assert!((p.lat_deg.unwrap() - lat).abs() < 1e-4, "{p:?}");
            let dlon = (p.lon_deg.unwrap() - lon + 540.0).rem_euclid(360.0) - 180.0;
            assert!(dlon.abs() < 1e-4, "{p:?}");
            assert!((p.alt_ft.unwrap() - alt).abs() <= 12.5, "{p:?}");
            let v = &motion[&id];
            // Whole-knot east and north components; vertical rate in 64 ft/min steps.
            assert!((v.gs_kt.unwrap() - gs).abs() < 1.0, "{v:?}");
            let dtrk = (v.trk_deg.unwrap() - trk + 540.0).rem_euclid(360.0) - 180.0;
            assert!(dtrk.abs() < 0.5, "{v:?}");
            assert_eq!(v.vs_fpm, Some(vs), "{v:?}");
        }
    }
}
