//! The stream's binary encoding over loopback (`/api/v1/stream?encoding=binary`): an unknown
//! encoding is refused with a 400 problem, a binary stream gets its snapshot's JSON part with
//! `"tracks_encoding":"binary"` then the binary picture, then binary deltas and no JSON delta,
//! holding the same aircraft as a JSON stream; `/metrics` counts the bytes per encoding.

mod server_support;
use futures::StreamExt;
use serde_json::Value;
use server_support::Server;
use std::collections::BTreeSet;
use std::io::Read;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// (kind, time, ids described in the dictionary, records) of a binary picture.
fn header(b: &[u8]) -> (u8, f64, Vec<String>, u32) {
    let mut raw = Vec::new();
    flate2::read::DeflateDecoder::new(b)
        .read_to_end(&mut raw)
        .unwrap();
    assert_eq!(&raw[..4], b"DCB1");
    assert_eq!(raw[4], 1);
    let u32_at = |i: usize| u32::from_le_bytes(raw[i..i + 4].try_into().unwrap());
    let time = f64::from_le_bytes(raw[8..16].try_into().unwrap());
    let (n_dict, n_rec) = (u32_at(16), u32_at(20));
    let mut at = 28;
    let mut ids = Vec::new();
    let str_at = |at: &mut usize| {
        let n = u16::from_le_bytes(raw[*at..*at + 2].try_into().unwrap()) as usize;
        *at += 2;
        if n == 0xFFFF {
            return None;
        }
        *at += n;
        Some(String::from_utf8(raw[*at - n..*at].to_vec()).unwrap())
    };
    for _ in 0..n_dict {
        at += 4;
        ids.push(str_at(&mut at).unwrap());
        for _ in 0..3 {
            str_at(&mut at);
        }
        let n = raw[at];
        at += 1;
        for _ in 0..n {
            str_at(&mut at);
        }
    }
    assert!(raw.len() >= at + 31 * n_rec as usize);
    (raw[5], time, ids, n_rec)
}

#[test]
fn the_binary_stream_is_negotiated_and_carries_the_same_picture() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let cell = s.token("cell");
    let addr = s.addr.clone();
    // The snapshot is the last picture cycle's: wait for one with the demo's aircraft in it.
    assert!(
        s.wait_for(20, |s| {
            let (_, v) = s.json("GET", Some(&cell), "/api/v1/tracks", None);
            v["tracks"].as_array().is_some_and(|t| !t.is_empty())
        }),
        "no aircraft in the picture"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        match tokio_tungstenite::connect_async(format!(
            "ws://{addr}/api/v1/stream?token={cell}&encoding=msgpack"
        ))
        .await
        {
            Err(WsError::Http(r)) => {
                assert_eq!(r.status(), 400);
                let body = String::from_utf8(r.body().clone().unwrap_or_default()).unwrap();
                assert!(body.contains("encoding"), "{body}");
            }
            other => panic!("expected 400, got {other:?}"),
        }
        let (mut bin, _) = tokio_tungstenite::connect_async(format!(
            "ws://{addr}/api/v1/stream?token={cell}&encoding=binary"
        ))
        .await
        .unwrap();
        let (mut json, _) = tokio_tungstenite::connect_async(format!(
            "ws://{addr}/api/v1/stream?token={cell}&encoding=json"
        ))
        .await
        .unwrap();
        let head: Value =
            serde_json::from_str(bin.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
        assert_eq!(head["type"], "snapshot");
        assert_eq!(head["tracks_encoding"], "binary");
        assert_eq!(head["tracks"], serde_json::json!([]));
        assert!(head["conflicts"].is_array() && head["intrusions"].is_array());
        let Message::Binary(b) = bin.next().await.unwrap().unwrap() else {
            panic!("no binary picture after the snapshot");
        };
        let (kind, time, mut ids, n) = header(&b);
        assert_eq!((kind, time), (0, head["time"].as_f64().unwrap()));
        assert_eq!(ids.len() as u32, n);
        assert!(n > 0);
        // Deltas come as binary messages; no JSON delta frame.
        let t0 = Instant::now();
        let mut deltas = 0;
        while deltas < 3 && t0.elapsed() < Duration::from_secs(20) {
            match bin.next().await.unwrap().unwrap() {
                Message::Binary(b) => {
                    let (kind, _, more, _) = header(&b);
                    assert_eq!(kind, 1);
                    ids.extend(more);
                    deltas += 1;
                }
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    assert_ne!(v["type"], "delta");
                    assert_ne!(v["type"], "snapshot");
                }
                _ => {}
            }
        }
        assert_eq!(deltas, 3);
        // The JSON stream's snapshot holds the same aircraft (give or take a cycle's arrivals).
        let snap: Value =
            serde_json::from_str(json.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
        let json_ids: BTreeSet<String> = snap["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        let bin_ids: BTreeSet<String> = ids.into_iter().collect();
        let common = json_ids.intersection(&bin_ids).count();
        assert!(
            common * 10 >= json_ids.len() * 9 && !json_ids.is_empty(),
            "{common} of {} in common",
            json_ids.len()
        );
        let m = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for enc in ["json", "binary"] {
            let line = format!("deconflict_stream_bytes_total{{encoding=\"{enc}\"}} ");
            let v: f64 = m
                .lines()
                .find_map(|l| l.strip_prefix(&line))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            assert!(v > 0.0, "{enc}: {m}");
        }
    });
}
