//! RSA-2048 signatures as the payment gateways make them (RSASSA-PKCS1-v1_5 with
//! SHA-256: Alipay's RSA2, WeChat Pay v3, UnionPay's `signMethod=01`), with the
//! pure-Rust `rsa` crate as the server signed before issue 16, with `ring`, and with
//! `aws-lc-rs` (AWS-LC's assembly, as OpenSSL's).
//!
//! `cargo run --release -- [N] [--key KEY.pem]`: one 2048-bit key (made here, or a
//! PKCS#8 PEM given), one message; N rounds, each timing one signature by each
//! library one after the other (so a change in the machine's load touches both
//! alike), then the same for verification. Prints medians and the ratio, checks that
//! the three signatures are byte-identical in every round (PKCS#1 v1.5 is
//! deterministic), and has `openssl dgst -sha256 -verify` check the signature.

use std::process::Command;
use std::time::{Duration, Instant};

use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// What Alipay's notice signature covers in the bench's renewals (its length and
/// shape: sorted `k=v` pairs, raw values).
const MESSAGE: &str = "app_id=2014072300007148&auth_app_id=2014072300007148&buyer_id=2088102146225135&buyer_pay_amount=300.00&charset=utf-8&fund_bill_list=[{\"amount\":\"300.00\",\"fundChannel\":\"ALIPAYACCOUNT\"}]&gmt_create=2026-12-03 10:30:00&gmt_payment=2026-12-03 10:30:01&invoice_amount=300.00&notify_id=2026120300222103000123456789&notify_time=2026-12-03 10:30:01&notify_type=trade_status_sync&out_trade_no=01P20261203000123A&point_amount=0.00&receipt_amount=300.00&seller_id=2088101106499364&subject=证书续期 gd-med 2026120300123&total_amount=300.00&trade_no=2026120322001425130123456789&trade_status=TRADE_SUCCESS&version=1.0";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(mut v: Vec<Duration>, p: usize) -> Duration {
    v.sort();
    v[(v.len() - 1) * p / 100]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rounds = 200usize;
    let mut key_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--key" => key_file = args.next(),
            n => rounds = n.parse().map_err(|_| format!("not a round count: {n}"))?,
        }
    }
    let rounds = rounds.max(1);
    let key = match &key_file {
        Some(path) => RsaPrivateKey::from_pkcs8_pem(&std::fs::read_to_string(path)?)?,
        None => RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)?,
    };
    let public: RsaPublicKey = key.to_public_key();
    let pkcs8 = key.to_pkcs8_der()?;

    // Made once, as the server does at start-up.
    let mut load = Vec::new();
    let mut pair = None;
    for _ in 0..20 {
        let t = Instant::now();
        pair = Some(RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).map_err(|e| e.to_string())?);
        load.push(t.elapsed());
    }
    let pair = pair.ok_or("no key pair")?;
    let rng = ring::rand::SystemRandom::new();
    let lc_pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes())
        .map_err(|e| format!("aws-lc-rs refuses the key: {e}"))?;
    let lc_rng = aws_lc_rs::rand::SystemRandom::new();
    let message = MESSAGE.as_bytes();
    let ring_verifier = ring::signature::UnparsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&public)?
            .as_bytes()
            .to_vec(),
    );

    // Warm-up (caches, the CPU's clock).
    for _ in 0..10 {
        let _ = SigningKey::<Sha256>::new(key.clone()).sign(message);
        let mut sig = vec![0; pair.public().modulus_len()];
        pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .map_err(|_| "ring refused to sign")?;
    }

    let (mut t_rsa, mut t_ring, mut t_lc) = (Vec::new(), Vec::new(), Vec::new());
    let (mut v_rsa, mut v_ring) = (Vec::new(), Vec::new());
    let mut last = Vec::new();
    for _ in 0..rounds {
        // As the server signed before: a SigningKey from a clone of the key, each time.
        let t = Instant::now();
        let a = SigningKey::<Sha256>::new(key.clone())
            .sign(message)
            .to_vec();
        t_rsa.push(t.elapsed());

        let t = Instant::now();
        let mut b = vec![0; pair.public().modulus_len()];
        pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut b)
            .map_err(|_| "ring refused to sign")?;
        t_ring.push(t.elapsed());

        let t = Instant::now();
        let mut c = vec![0; lc_pair.public_modulus_len()];
        lc_pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &lc_rng,
                message,
                &mut c,
            )
            .map_err(|_| "aws-lc-rs refused to sign")?;
        t_lc.push(t.elapsed());

        if a != b || b != c {
            return Err("the rsa, ring and aws-lc-rs signatures differ".into());
        }

        let t = Instant::now();
        VerifyingKey::<Sha256>::new(public.clone())
            .verify(message, &Signature::try_from(a.as_slice())?)?;
        v_rsa.push(t.elapsed());

        let t = Instant::now();
        ring_verifier
            .verify(message, &b)
            .map_err(|_| "ring does not verify")?;
        v_ring.push(t.elapsed());
        last = b;
    }

    // An outside implementation checks the signature.
    let dir = std::env::temp_dir().join(format!("rsa-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("pub.pem"),
        public.to_public_key_pem(LineEnding::LF)?,
    )?;
    std::fs::write(dir.join("message"), message)?;
    std::fs::write(dir.join("sig"), &last)?;
    let out = Command::new("openssl")
        .current_dir(&dir)
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig",
            "message",
        ])
        .output()?;
    let _ = std::fs::remove_dir_all(&dir);
    let openssl = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() {
        return Err(format!("openssl refused the signature: {openssl}").into());
    }

    let (sr, sg) = (median(t_rsa.clone()), median(t_ring.clone()));
    let (vr, vg) = (median(v_rsa.clone()), median(v_ring.clone()));
    println!(
        "key: {} bits, e = {}; message {} bytes; {rounds} rounds",
        public.n().bits(),
        public.e(),
        message.len()
    );
    println!(
        "ring RsaKeyPair::from_pkcs8 (once at load): median {:.0} µs",
        us(median(load))
    );
    println!(
        "sign   rsa 0.9 (clone + SigningKey + sign): median {:>8.1} µs (p10 {:.1}, p90 {:.1})",
        us(sr),
        us(percentile(t_rsa.clone(), 10)),
        us(percentile(t_rsa, 90))
    );
    println!(
        "sign   ring 0.17 RsaKeyPair::sign:          median {:>8.1} µs (p10 {:.1}, p90 {:.1})",
        us(sg),
        us(percentile(t_ring.clone(), 10)),
        us(percentile(t_ring, 90))
    );
    println!("sign   ratio rsa / ring: {:.1}", us(sr) / us(sg));
    let sl = median(t_lc.clone());
    println!(
        "sign   aws-lc-rs RsaKeyPair::sign:          median {:>8.1} µs (p10 {:.1}, p90 {:.1}); ratio ring / aws-lc-rs: {:.2}",
        us(sl),
        us(percentile(t_lc.clone(), 10)),
        us(percentile(t_lc, 90)),
        us(sg) / us(sl)
    );
    println!(
        "verify rsa 0.9: median {:.1} µs; ring 0.17: median {:.1} µs; ratio {:.1}",
        us(vr),
        us(vg),
        us(vr) / us(vg)
    );
    println!("signatures byte-identical in all {rounds} rounds; openssl dgst -verify: {openssl}");
    Ok(())
}
