//! A QR code as an SVG image, written here rather than by the `qrcode` crate, whose
//! encoder, renderer and tables cost each bundle that draws a code 13 KB of gzipped wasm
//! (issue 16). What it draws is what ISO/IEC 18004 specifies, kept small: one byte-mode
//! segment (any text, decoded to the same bytes), error correction level M (15% of
//! the code may be lost), the smallest of the 40 versions that holds the text, and the
//! mask of the least penalty. The steps follow Project Nayuki's "QR Code generator
//! library" (MIT, <https://www.nayuki.io/page/qr-code-generator-library>); the tests
//! check every version's modules against the `qrcode` crate's.

/// Error correction codewords per block at level M, by version (index 0 unused).
const ECC_PER_BLOCK: [u8; 41] = [
    0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];

/// Error correction blocks at level M, by version (index 0 unused).
const BLOCKS: [u8; 41] = [
    0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23,
    25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];

/// Level M's two format bits.
const LEVEL_M: u32 = 0;

/// Modules of version `v` that carry data and error correction (all but the patterns,
/// the format and the version information).
fn raw_modules(v: usize) -> usize {
    let mut n = (16 * v + 128) * v + 64;
    if v >= 2 {
        let align = v / 7 + 2;
        n -= (25 * align - 10) * align - 55;
        if v >= 7 {
            n -= 36;
        }
    }
    n
}

/// Data codewords of version `v` at level M.
fn data_codewords(v: usize) -> usize {
    raw_modules(v) / 8 - usize::from(ECC_PER_BLOCK[v]) * usize::from(BLOCKS[v])
}

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1.
fn gf_mul(x: u8, y: u8) -> u8 {
    let mut z: u8 = 0;
    for i in (0..8).rev() {
        z = (z << 1) ^ ((z >> 7) * 0x1D);
        z ^= ((y >> i) & 1) * x;
    }
    z
}

/// The Reed–Solomon generator of `degree`, highest coefficient (always 1) left out.
fn rs_divisor(degree: usize) -> Vec<u8> {
    let mut d = vec![0u8; degree];
    d[degree - 1] = 1;
    let mut root: u8 = 1;
    for _ in 0..degree {
        for j in 0..degree {
            d[j] = gf_mul(d[j], root);
            if j + 1 < degree {
                d[j] ^= d[j + 1];
            }
        }
        root = gf_mul(root, 2);
    }
    d
}

/// The error correction codewords of `data`.
fn rs_remainder(data: &[u8], divisor: &[u8]) -> Vec<u8> {
    let mut r = vec![0u8; divisor.len()];
    for &b in data {
        let factor = b ^ r.remove(0);
        r.push(0);
        for (x, &y) in r.iter_mut().zip(divisor) {
            *x ^= gf_mul(y, factor);
        }
    }
    r
}

/// The smallest version that holds `len` bytes, with its codewords: the byte segment,
/// the terminator and padding, split into blocks with their error correction and
/// interleaved.
fn codewords(text: &[u8]) -> Option<(usize, Vec<u8>)> {
    let len = text.len();
    let v = (1..=40).find(|&v| {
        let count_bits = if v < 10 { 8 } else { 16 };
        len < 1 << count_bits && 4 + count_bits + 8 * len <= data_codewords(v) * 8
    })?;
    let capacity = data_codewords(v);
    // Mode 0100 (bytes), the count, the bytes and a terminator of four zero bits (which
    // ends on a byte boundary, and always fits): the bytes of `head` shifted left by
    // four bits.
    let mut data = Vec::with_capacity(capacity);
    let mut head: Vec<u8> = vec![0x04];
    if v >= 10 {
        head.push((len >> 8) as u8);
    }
    head.push(len as u8);
    head.extend_from_slice(text);
    head.push(0);
    for pair in head.windows(2) {
        data.push((pair[0] << 4) | (pair[1] >> 4));
    }
    for pad in [0xEC, 0x11].into_iter().cycle() {
        if data.len() >= capacity {
            break;
        }
        data.push(pad);
    }

    let blocks = usize::from(BLOCKS[v]);
    let ecc = usize::from(ECC_PER_BLOCK[v]);
    let raw = raw_modules(v) / 8;
    let short = blocks - raw % blocks;
    let short_len = raw / blocks;
    let divisor = rs_divisor(ecc);
    let mut split = Vec::with_capacity(blocks);
    let mut at = 0;
    for i in 0..blocks {
        let n = short_len - ecc + usize::from(i >= short);
        let mut block = data[at..at + n].to_vec();
        at += n;
        let check = rs_remainder(&block, &divisor);
        if i < short {
            block.push(0);
        }
        block.extend_from_slice(&check);
        split.push(block);
    }
    let mut out = Vec::with_capacity(raw);
    for i in 0..=short_len {
        for (j, block) in split.iter().enumerate() {
            if i != short_len - ecc || j >= short {
                out.push(block[i]);
            }
        }
    }
    Some((v, out))
}

/// A symbol's modules: dark or not, and whether a pattern (not data) owns them.
struct Grid {
    size: usize,
    dark: Vec<bool>,
    fixed: Vec<bool>,
}

impl Grid {
    fn set(&mut self, x: usize, y: usize, dark: bool) {
        let i = y * self.size + x;
        self.dark[i] = dark;
        self.fixed[i] = true;
    }

    fn get(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.size + x]
    }

    /// A square of radius `r` around (`x`, `y`), dark where `dark(distance)`, clipped.
    fn square(&mut self, x: usize, y: usize, r: isize, dark: fn(isize) -> bool) {
        for dy in -r..=r {
            for dx in -r..=r {
                let (xx, yy) = (x as isize + dx, y as isize + dy);
                if (0..self.size as isize).contains(&xx) && (0..self.size as isize).contains(&yy) {
                    self.set(xx as usize, yy as usize, dark(dx.abs().max(dy.abs())));
                }
            }
        }
    }

    /// The 15 format bits (level M, `mask`), twice.
    fn format(&mut self, mask: u32) {
        let data = (LEVEL_M << 3) | mask;
        let mut rem = data;
        for _ in 0..10 {
            rem = (rem << 1) ^ ((rem >> 9) * 0x537);
        }
        let bits = ((data << 10) | rem) ^ 0x5412;
        let bit = |i: usize| (bits >> i) & 1 != 0;
        let s = self.size;
        for i in 0..6 {
            self.set(8, i, bit(i));
        }
        self.set(8, 7, bit(6));
        self.set(8, 8, bit(7));
        self.set(7, 8, bit(8));
        for i in 9..15 {
            self.set(14 - i, 8, bit(i));
        }
        for i in 0..8 {
            self.set(s - 1 - i, 8, bit(i));
        }
        for i in 8..15 {
            self.set(8, s - 15 + i, bit(i));
        }
        self.set(8, s - 8, true);
    }

    /// Whether mask `mask` inverts module (`x`, `y`).
    fn masked(mask: u32, x: usize, y: usize) -> bool {
        match mask {
            0 => (x + y).is_multiple_of(2),
            1 => y.is_multiple_of(2),
            2 => x.is_multiple_of(3),
            3 => (x + y).is_multiple_of(3),
            4 => (x / 3 + y / 2).is_multiple_of(2),
            5 => x * y % 2 + x * y % 3 == 0,
            6 => (x * y % 2 + x * y % 3).is_multiple_of(2),
            _ => ((x + y) % 2 + x * y % 3).is_multiple_of(2),
        }
    }

    fn apply_mask(&mut self, mask: u32) {
        for y in 0..self.size {
            for x in 0..self.size {
                let i = y * self.size + x;
                if !self.fixed[i] && Self::masked(mask, x, y) {
                    self.dark[i] = !self.dark[i];
                }
            }
        }
    }

    /// The penalty of the symbol as it stands (ISO/IEC 18004 §7.8.3).
    fn penalty(&self) -> usize {
        let s = self.size;
        let mut p = 0;
        for by_column in [false, true] {
            for a in 0..s {
                let at = |b: usize| {
                    if by_column {
                        self.get(a, b)
                    } else {
                        self.get(b, a)
                    }
                };
                let mut color = false;
                let mut run = 0;
                let mut history = [0usize; 7];
                for b in 0..s {
                    if at(b) == color {
                        run += 1;
                        if run == 5 {
                            p += 3;
                        } else if run > 5 {
                            p += 1;
                        }
                    } else {
                        add_run(s, run, &mut history);
                        if !color {
                            p += finders(&history) * 40;
                        }
                        color = at(b);
                        run = 1;
                    }
                }
                if color {
                    add_run(s, run, &mut history);
                    run = 0;
                }
                add_run(s, run + s, &mut history);
                p += finders(&history) * 40;
            }
        }
        for y in 0..s - 1 {
            for x in 0..s - 1 {
                let c = self.get(x, y);
                if c == self.get(x + 1, y) && c == self.get(x, y + 1) && c == self.get(x + 1, y + 1)
                {
                    p += 3;
                }
            }
        }
        let total = s * s;
        let dark = self.dark.iter().filter(|d| **d).count();
        let k = (dark * 20).abs_diff(total * 10).div_ceil(total) - 1;
        p + k * 10
    }
}

/// Pushes a run's length into the finder-like pattern history (the first run counts the
/// light border before the symbol).
fn add_run(size: usize, mut run: usize, history: &mut [usize; 7]) {
    if history[0] == 0 {
        run += size;
    }
    history.copy_within(0..6, 1);
    history[0] = run;
}

/// How many finder-like patterns (1:1:3:1:1 with 4 light on one side) end here.
fn finders(h: &[usize; 7]) -> usize {
    let n = h[1];
    let core = n > 0 && h[2] == n && h[3] == n * 3 && h[4] == n && h[5] == n;
    usize::from(core && h[0] >= n * 4 && h[6] >= n)
        + usize::from(core && h[6] >= n * 4 && h[0] >= n)
}

/// The modules of `text`'s QR code (row by row, `true` dark) and its side; `None` when
/// it does not fit version 40.
fn encode(text: &[u8], forced_mask: Option<u32>) -> Option<(usize, Vec<bool>)> {
    let (v, data) = codewords(text)?;
    let size = v * 4 + 17;
    let mut g = Grid {
        size,
        dark: vec![false; size * size],
        fixed: vec![false; size * size],
    };
    for i in 0..size {
        g.set(6, i, i % 2 == 0);
        g.set(i, 6, i % 2 == 0);
    }
    for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
        g.square(x, y, 4, |d| d != 2 && d != 4);
    }
    if v > 1 {
        let n = v / 7 + 2;
        let step = (v * 8 + n * 3 + 5) / (n * 4 - 4) * 2;
        let mut at: Vec<usize> = (0..n - 1).map(|i| size - 7 - i * step).collect();
        at.push(6);
        for (i, &y) in at.iter().enumerate() {
            for (j, &x) in at.iter().enumerate() {
                // Not over the three finders (6 is the last in `at`).
                let corner = (i == n - 1 && (j == 0 || j == n - 1)) || (i == 0 && j == n - 1);
                if !corner {
                    g.square(x, y, 2, |d| d != 1);
                }
            }
        }
    }
    g.format(0);
    if v >= 7 {
        let mut rem = v as u32;
        for _ in 0..12 {
            rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
        }
        let bits = ((v as u32) << 12) | rem;
        for i in 0..18 {
            let (a, b) = (size - 11 + i % 3, i / 3);
            let bit = (bits >> i) & 1 != 0;
            g.set(a, b, bit);
            g.set(b, a, bit);
        }
    }
    // The codewords, in two-module columns from the right, up and down in turn,
    // skipping the vertical timing pattern.
    let mut i = 0;
    let mut right = size - 1;
    while right >= 1 {
        if right == 6 {
            right = 5;
        }
        for vert in 0..size {
            for j in 0..2 {
                let x = right - j;
                let y = if (right + 1) & 2 == 0 {
                    size - 1 - vert
                } else {
                    vert
                };
                if !g.fixed[y * size + x] && i < data.len() * 8 {
                    g.dark[y * size + x] = (data[i >> 3] >> (7 - (i & 7))) & 1 != 0;
                    i += 1;
                }
            }
        }
        if right < 2 {
            break;
        }
        right -= 2;
    }
    let mask = forced_mask.unwrap_or_else(|| {
        (0..8)
            .min_by_key(|&m| {
                g.apply_mask(m);
                g.format(m);
                let p = g.penalty();
                g.apply_mask(m);
                p
            })
            .unwrap_or(0)
    });
    g.apply_mask(mask);
    g.format(mask);
    Some((size, g.dark))
}

/// `text` as a QR code: an SVG document at least `min_px` pixels wide, with the
/// four-module quiet zone; `None` when it does not fit a QR code.
pub fn svg(text: &str, min_px: usize) -> Option<String> {
    let (size, dark) = encode(text.as_bytes(), None)?;
    let side = size + 8;
    let px = (min_px.div_ceil(side) * side).to_string();
    let side = side.to_string();
    let mut s = String::with_capacity(dark.len() * 6);
    s.push_str(r#"<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width=""#);
    s.push_str(&px);
    s.push_str(r#"" height=""#);
    s.push_str(&px);
    s.push_str(r#"" viewBox="0 0 "#);
    for part in [&side, " ", &side] {
        s.push_str(part);
    }
    s.push_str(r##"" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##);
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        s.push('M');
        s.push_str(&(i % size + 4).to_string());
        s.push(' ');
        s.push_str(&(i / size + 4).to_string());
        s.push_str("h1v1h-1z");
    }
    s.push_str(r#""/></svg>"#);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::{Color, EcLevel, QrCode};

    /// Lower-case letters, which the `qrcode` crate too writes as one byte segment.
    fn text(len: usize) -> Vec<u8> {
        (0..len).map(|i| b'a' + (i * 7 % 26) as u8).collect()
    }

    fn theirs(text: &[u8]) -> (usize, Vec<bool>) {
        let code = QrCode::with_error_correction_level(text, EcLevel::M).expect("fits");
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        (code.width(), dark)
    }

    /// Versions of each kind (no alignment pattern; one; the version bits; the 16-bit
    /// count; version 32's odd spacing; the largest), at their longest text and one byte
    /// more, module for module as the `qrcode` crate draws them with one of the masks.
    #[test]
    fn the_versions_match_the_qrcode_crate() {
        for v in [1, 2, 6, 7, 9, 10, 27, 32, 40] {
            let count_bits = if v < 10 { 8 } else { 16 };
            let most = (data_codewords(v) * 8 - 4 - count_bits) / 8;
            for len in [most, most + 1] {
                let t = text(len);
                if v == 40 && len > most {
                    assert!(encode(&t, None).is_none(), "past version 40");
                    continue;
                }
                let (size, want) = theirs(&t);
                let found = (0..8).any(|m| encode(&t, Some(m)) == Some((size, want.clone())));
                assert!(
                    found,
                    "{len} bytes, side {size}: no mask gives the crate's modules"
                );
                let (mine, _) = encode(&t, None).expect("fits");
                assert_eq!(mine, size, "{len} bytes: the same version");
            }
        }
    }

    #[test]
    fn the_codes_scanned_here_are_small_svg() {
        for t in ["weixin://wxpay/bizpayurl?pr=p4lpSuKzz", "01202611220000001"] {
            let s = svg(t, 200).expect("fits");
            assert!(s.starts_with("<?xml") && s.contains("<svg"), "{s}");
            assert!(s.len() < 20_000, "{} bytes", s.len());
        }
        let s = svg("01202611220000001", 140).expect("fits");
        // 17 bytes: version 2 (25 modules) with the quiet zone, 5 px a module.
        assert!(
            s.contains(r#"width="165" height="165" viewBox="0 0 33 33""#),
            "{s}"
        );
    }
}
