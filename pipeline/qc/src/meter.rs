//! The per-block inner loop, generic over the sample encoding.
//!
//! Each block is cut at envelope-bucket boundaries into chunks, and chunks into cache-sized pieces.
//! A piece is decoded to samples, then element-wise min/max passes over rows of a few frames take
//! every channel's minimum and maximum (no branch per sample); the extremes then update the
//! envelope bucket and the whole take's peak. Only a channel whose piece reaches full scale is
//! scanned again, sample by sample, for clipped runs; every other channel's run simply ends.

use crate::loudness::LoudnessTap;
use crate::{ChannelQc, Envelope, QcReport};

/// How one stored sample decodes, and the bounds a minimum/maximum starts from.
pub(crate) trait Codec {
    /// The decoded sample.
    type Value: Copy + PartialOrd;
    /// Bytes one sample takes.
    const WIDTH: usize;
    /// Above every sample: where a minimum starts.
    const HIGHEST: Self::Value;
    /// Below every sample: where a maximum starts.
    const LOWEST: Self::Value;
    /// Decodes one sample from exactly `WIDTH` little-endian bytes.
    fn decode(bytes: &[u8]) -> Self::Value;
    /// Decodes every whole sample of `bytes` onto `out`.
    #[inline(always)]
    fn decode_all(bytes: &[u8], out: &mut Vec<Self::Value>) {
        out.extend(bytes.chunks_exact(Self::WIDTH).map(Self::decode));
    }
    /// The smaller of two samples (a NaN loses).
    fn lower(a: Self::Value, b: Self::Value) -> Self::Value;
    /// The larger of two samples (a NaN loses).
    fn higher(a: Self::Value, b: Self::Value) -> Self::Value;
    /// The sample as a fraction of full scale (-1..1).
    fn unit(v: Self::Value) -> f64;
    /// The lowest positive and highest negative sample that count as full scale, for integer
    /// samples of `valid_bits` significant bits left-justified in the container.
    fn full_scale(valid_bits: u32) -> (Self::Value, Self::Value);
}

/// Decodes `N` little-endian bytes, zero-filling if the slice is short (never, from `chunks_exact`).
#[inline(always)]
fn bytes<const N: usize>(b: &[u8]) -> [u8; N] {
    b.try_into().unwrap_or([0; N])
}

/// Full scale of a left-justified integer container of `width` bytes with `valid_bits` bits.
fn int_full_scale(width: usize, valid_bits: u32) -> (i32, i32) {
    let container = (width * 8) as u32;
    let valid = valid_bits.clamp(1, container);
    let positive = ((1i64 << (valid - 1)) - 1) << (container - valid);
    let negative = -(1i64 << (container - 1));
    (
        i32::try_from(positive).unwrap_or(i32::MAX),
        i32::try_from(negative).unwrap_or(i32::MIN),
    )
}

/// Unsigned 8-bit samples (offset 128).
pub(crate) struct Int8;
/// Signed 16-bit samples.
pub(crate) struct Int16;
/// Signed 24-bit samples, sign-extended from 3 bytes.
pub(crate) struct Int24;
/// Signed 32-bit samples.
pub(crate) struct Int32;
/// 32-bit IEEE float samples.
pub(crate) struct Float32;
/// 64-bit IEEE float samples.
pub(crate) struct Float64;

macro_rules! int_codec {
    ($name:ident, $width:expr, |$b:ident| $decode:expr) => {
        impl Codec for $name {
            type Value = i32;
            const WIDTH: usize = $width;
            const HIGHEST: i32 = i32::MAX;
            const LOWEST: i32 = i32::MIN;
            #[inline(always)]
            fn decode(b: &[u8]) -> i32 {
                let $b = bytes::<$width>(b);
                $decode
            }
            #[inline(always)]
            fn lower(a: i32, b: i32) -> i32 {
                a.min(b)
            }
            #[inline(always)]
            fn higher(a: i32, b: i32) -> i32 {
                a.max(b)
            }
            fn unit(v: i32) -> f64 {
                f64::from(v) / (1u64 << ($width * 8 - 1)) as f64
            }
            fn full_scale(valid_bits: u32) -> (i32, i32) {
                int_full_scale($width, valid_bits)
            }
        }
    };
}

int_codec!(Int8, 1, |b| i32::from(b[0]) - 128);
int_codec!(Int16, 2, |b| i32::from(i16::from_le_bytes(b)));
impl Codec for Int24 {
    type Value = i32;
    const WIDTH: usize = 3;
    const HIGHEST: i32 = i32::MAX;
    const LOWEST: i32 = i32::MIN;
    #[inline(always)]
    fn decode(b: &[u8]) -> i32 {
        let b = bytes::<3>(b);
        i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8
    }
    /// Four samples from three 32-bit loads, sign-extended by shifts.
    #[inline(always)]
    fn decode_all(bytes: &[u8], out: &mut Vec<i32>) {
        let quads = bytes.chunks_exact(12);
        let rest = quads.remainder();
        let start = out.len();
        out.resize(start + bytes.len() / 12 * 4, 0);
        let word = |b: &[u8], at: usize| {
            b.get(at..at + 4)
                .and_then(|w| <[u8; 4]>::try_from(w).ok())
                .map_or(0, u32::from_le_bytes)
        };
        let extend = |x: u32| ((x << 8) as i32) >> 8;
        let slots = out.get_mut(start..).unwrap_or_default();
        for (quad, slot) in quads.zip(slots.chunks_exact_mut(4)) {
            let (w0, w1, w2) = (word(quad, 0), word(quad, 4), word(quad, 8));
            slot.copy_from_slice(&[
                extend(w0),
                extend((w0 >> 24) | (w1 << 8)),
                extend((w1 >> 16) | (w2 << 16)),
                (w2 as i32) >> 8,
            ]);
        }
        out.extend(rest.chunks_exact(3).map(Self::decode));
    }
    #[inline(always)]
    fn lower(a: i32, b: i32) -> i32 {
        a.min(b)
    }
    #[inline(always)]
    fn higher(a: i32, b: i32) -> i32 {
        a.max(b)
    }
    fn unit(v: i32) -> f64 {
        f64::from(v) / f64::from(1u32 << 23)
    }
    fn full_scale(valid_bits: u32) -> (i32, i32) {
        int_full_scale(3, valid_bits)
    }
}
int_codec!(Int32, 4, |b| i32::from_le_bytes(b));

macro_rules! float_codec {
    ($name:ident, $float:ty, $width:expr) => {
        impl Codec for $name {
            type Value = $float;
            const WIDTH: usize = $width;
            const HIGHEST: $float = <$float>::INFINITY;
            const LOWEST: $float = <$float>::NEG_INFINITY;
            #[inline(always)]
            fn decode(b: &[u8]) -> $float {
                <$float>::from_le_bytes(bytes::<$width>(b))
            }
            #[inline(always)]
            fn lower(a: $float, b: $float) -> $float {
                a.min(b)
            }
            #[inline(always)]
            fn higher(a: $float, b: $float) -> $float {
                a.max(b)
            }
            fn unit(v: $float) -> f64 {
                f64::from(v)
            }
            fn full_scale(_valid_bits: u32) -> ($float, $float) {
                (1.0, -1.0)
            }
        }
    };
}

float_codec!(Float32, f32, 4);
float_codec!(Float64, f64, 8);

/// Samples decoded at once (whole frames; at least one frame).
const PIECE_SAMPLES: usize = 8192;

/// Frames in one row of the element-wise min/max pass: rows of `channels x ROW_FRAMES` samples
/// keep sample `i` of every row on channel `i % channels`, and are long enough to vectorise.
const ROW_FRAMES: usize = 8;

/// Whether the running processor has AVX2.
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// What the meter needs to know besides the encoding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MeterShape {
    /// Interleaved channels.
    pub channels: usize,
    /// Significant bits of an integer sample.
    pub valid_bits: u32,
    /// Frames the take is expected to have (for the envelope's buckets).
    pub expected_frames: u64,
    /// Envelope points wanted per channel.
    pub envelope_points: usize,
    /// Consecutive full-scale samples that make a clipped run.
    pub clip_run: u32,
    /// Peak below which a channel is silent, in dBFS.
    pub silence_dbfs: f64,
}

/// The running measurements of one take in one encoding.
pub(crate) struct Meter<C: Codec> {
    shape: MeterShape,
    frame_bytes: usize,
    positive_full_scale: C::Value,
    negative_full_scale: C::Value,
    /// Whole-take (min, max) per channel.
    extremes: Vec<(C::Value, C::Value)>,
    /// Length of the full-scale run each channel is in at the end of what was fed.
    runs: Vec<u32>,
    /// Clipped runs per channel.
    clipped: Vec<u64>,
    /// Envelope buckets, `points` x `channels`, (min, max).
    envelope: Vec<(C::Value, C::Value)>,
    points: usize,
    bucket: usize,
    bucket_end: u64,
    filled_buckets: usize,
    frames: u64,
    /// The current piece's samples, decoded, interleaved.
    decoded: Vec<C::Value>,
    /// Element-wise minimum of the piece's rows ([`ROW_FRAMES`] frames each).
    row_lo: Vec<C::Value>,
    /// Element-wise maximum of the piece's rows.
    row_hi: Vec<C::Value>,
    loudness: Option<LoudnessTap>,
    /// The processor has AVX2 (x86-64 only).
    avx2: bool,
}

impl<C: Codec> Meter<C> {
    /// A meter for `shape`, measuring loudness with `loudness` when given.
    pub(crate) fn new(shape: MeterShape, loudness: Option<LoudnessTap>) -> Meter<C> {
        let channels = shape.channels;
        let points = usize::try_from(shape.expected_frames)
            .unwrap_or(usize::MAX)
            .min(shape.envelope_points)
            .max(1);
        let (positive_full_scale, negative_full_scale) = C::full_scale(shape.valid_bits);
        let mut meter = Meter {
            shape,
            frame_bytes: channels * C::WIDTH,
            positive_full_scale,
            negative_full_scale,
            extremes: vec![(C::HIGHEST, C::LOWEST); channels],
            runs: vec![0; channels],
            clipped: vec![0; channels],
            envelope: vec![(C::HIGHEST, C::LOWEST); points * channels],
            points,
            bucket: 0,
            bucket_end: 0,
            filled_buckets: 0,
            frames: 0,
            decoded: Vec::with_capacity(PIECE_SAMPLES + channels),
            row_lo: vec![C::HIGHEST; channels * ROW_FRAMES],
            row_hi: vec![C::LOWEST; channels * ROW_FRAMES],
            loudness,
            avx2: has_avx2(),
        };
        meter.bucket_end = meter.boundary(1);
        meter
    }

    /// The same meter without the AVX2 code path (to test the portable one).
    #[cfg(test)]
    pub(crate) fn portable(mut self) -> Meter<C> {
        self.avx2 = false;
        self
    }

    /// The first frame of bucket `b` (the end of the last bucket is unbounded).
    fn boundary(&self, b: usize) -> u64 {
        if b >= self.points {
            return u64::MAX;
        }
        let at = u128::from(self.shape.expected_frames) * b as u128 / self.points as u128;
        u64::try_from(at).unwrap_or(u64::MAX)
    }

    /// Feeds whole interleaved frames (a trailing partial frame is ignored).
    pub(crate) fn feed(&mut self, block: &[u8]) {
        let frame_bytes = self.frame_bytes;
        if frame_bytes == 0 {
            return;
        }
        let mut rest = block
            .get(..block.len() / frame_bytes * frame_bytes)
            .unwrap_or(&[]);
        while !rest.is_empty() {
            let available = (rest.len() / frame_bytes) as u64;
            let frames = available.min(self.bucket_end.saturating_sub(self.frames).max(1));
            let split = usize::try_from(frames).map_or(rest.len(), |f| f * frame_bytes);
            let (chunk, tail) = rest.split_at(split.min(rest.len()));
            self.measure_chunk(chunk);
            if let Some(tap) = self.loudness.as_mut() {
                tap.feed::<C>(chunk, frame_bytes);
            }
            self.frames += frames;
            while self.frames >= self.bucket_end && self.bucket + 1 < self.points {
                self.bucket += 1;
                self.bucket_end = self.boundary(self.bucket + 1);
            }
            rest = tail;
        }
    }

    /// Measures a non-empty run of whole frames that all fall in the current bucket, in pieces
    /// small enough for their decoded samples to stay in cache.
    fn measure_chunk(&mut self, chunk: &[u8]) {
        let frames_per_piece = (PIECE_SAMPLES / self.shape.channels).max(1);
        for piece in chunk.chunks(frames_per_piece * self.frame_bytes) {
            self.measure_piece(piece);
        }
    }

    /// [`Meter::measure_piece_here`], compiled for AVX2 when the processor has it.
    #[allow(unsafe_code)] // calling an AVX2 function is unsafe by nature; see SAFETY
    fn measure_piece(&mut self, piece: &[u8]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the running processor reports AVX2
            // (`is_x86_feature_detected!`), the one requirement of a `target_feature` function.
            unsafe { self.measure_piece_avx2(piece) };
            return;
        }
        self.measure_piece_here(piece);
    }

    /// [`Meter::measure_piece_here`] with AVX2 code generation (twice the throughput); call it only
    /// when the processor has AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn measure_piece_avx2(&mut self, piece: &[u8]) {
        self.measure_piece_here(piece);
    }

    /// Decodes whole frames into `decoded`, takes each channel's min and max with element-wise
    /// passes over rows of [`ROW_FRAMES`] frames (no branch per sample, so they vectorise), then
    /// updates the bucket and the take, and looks for clipped runs only where full scale was reached.
    #[inline(always)]
    fn measure_piece_here(&mut self, piece: &[u8]) {
        let channels = self.shape.channels;
        self.decoded.clear();
        C::decode_all(piece, &mut self.decoded);
        let row = self.row_lo.len();
        self.row_lo.fill(C::HIGHEST);
        self.row_hi.fill(C::LOWEST);
        for samples in self.decoded.chunks(row) {
            for ((lo, hi), &v) in self
                .row_lo
                .iter_mut()
                .zip(self.row_hi.iter_mut())
                .zip(samples)
            {
                *lo = C::lower(*lo, v);
                *hi = C::higher(*hi, v);
            }
        }
        self.filled_buckets = self.bucket + 1;
        let bucket_start = self.bucket * channels;
        for c in 0..channels {
            let (mut lo, mut hi) = (C::HIGHEST, C::LOWEST);
            for (l, h) in self
                .row_lo
                .iter()
                .zip(&self.row_hi)
                .skip(c)
                .step_by(channels)
            {
                lo = C::lower(lo, *l);
                hi = C::higher(hi, *h);
            }
            if let Some(env) = self.envelope.get_mut(bucket_start + c) {
                env.0 = C::lower(env.0, lo);
                env.1 = C::higher(env.1, hi);
            }
            if let Some(ext) = self.extremes.get_mut(c) {
                ext.0 = C::lower(ext.0, lo);
                ext.1 = C::higher(ext.1, hi);
            }
            if hi >= self.positive_full_scale || lo <= self.negative_full_scale {
                self.count_clips(c);
            } else if let Some(run) = self.runs.get_mut(c) {
                *run = 0;
            }
        }
    }

    /// Counts the clipped runs of channel `c` in the decoded piece, continuing the run the last
    /// piece ended in.
    fn count_clips(&mut self, c: usize) {
        let (Some(run), Some(clipped)) = (self.runs.get_mut(c), self.clipped.get_mut(c)) else {
            return;
        };
        let (positive, negative) = (self.positive_full_scale, self.negative_full_scale);
        let wanted = self.shape.clip_run;
        let mut length = *run;
        let mut count = 0u64;
        for &v in self.decoded.iter().skip(c).step_by(self.shape.channels) {
            let full = v >= positive || v <= negative;
            length = if full { length.saturating_add(1) } else { 0 };
            count += u64::from(length == wanted);
        }
        *run = length;
        *clipped += count;
    }

    /// The figures of everything fed so far.
    pub(crate) fn finish(self) -> QcReport {
        let channels = self.shape.channels;
        let filled = self.filled_buckets;
        let report_channels = (0..channels)
            .map(|c| {
                let (lo, hi) = self
                    .extremes
                    .get(c)
                    .copied()
                    .unwrap_or((C::HIGHEST, C::LOWEST));
                let peak = if self.frames == 0 || lo > hi {
                    0.0
                } else {
                    (-C::unit(lo)).max(C::unit(hi)).max(0.0)
                };
                let peak_dbfs = (peak > 0.0).then(|| 20.0 * peak.log10());
                let silent = peak_dbfs.is_none_or(|db| db < self.shape.silence_dbfs);
                let mut envelope = Envelope {
                    min: Vec::with_capacity(filled),
                    max: Vec::with_capacity(filled),
                };
                for b in 0..filled {
                    let (lo, hi) = self
                        .envelope
                        .get(b * channels + c)
                        .copied()
                        .unwrap_or((C::HIGHEST, C::LOWEST));
                    let (lo, hi) = if lo > hi {
                        (0.0, 0.0)
                    } else {
                        (C::unit(lo), C::unit(hi))
                    };
                    envelope.min.push(lo.clamp(-1.0, 1.0) as f32);
                    envelope.max.push(hi.clamp(-1.0, 1.0) as f32);
                }
                ChannelQc {
                    peak,
                    peak_dbfs,
                    clipped_runs: self.clipped.get(c).copied().unwrap_or(0),
                    silent,
                    envelope,
                }
            })
            .collect();
        QcReport {
            frames: self.frames,
            channels: report_channels,
            loudness: self.loudness.map(LoudnessTap::finish),
        }
    }
}
