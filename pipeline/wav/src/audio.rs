//! Sample-level inner loops: channel permutation and per-channel (de-interleaved) hashing.

use std::io::{Read, Seek, SeekFrom};

use xxhash_rust::xxh3::Xxh3Default;

use crate::{Header, WavError};

/// xxh3-128 of each channel's bytes, de-interleaved (channel order of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDigest {
    /// One hash per channel.
    pub channels: Vec<u128>,
}

/// Copies the sample at byte offset `offs[i]` of every source frame to slot `i` of the output frame.
fn permute_n<const N: usize>(src: &[u8], src_ba: usize, offs: &[usize], dst: &mut [u8]) {
    let dst_ba = N * offs.len();
    // Whole samples at sample-aligned offsets (every real layout): move `[u8; N]` values.
    if N > 0
        && !offs.is_empty()
        && src_ba.is_multiple_of(N)
        && offs.iter().all(|&o| o.is_multiple_of(N) && o + N <= src_ba)
    {
        let kept: Vec<usize> = offs.iter().map(|&o| o / N).collect();
        let (src_samples, _) = src.as_chunks::<N>();
        let (dst_samples, _) = dst.as_chunks_mut::<N>();
        let src_channels = src_ba / N;
        for (s, d) in src_samples
            .chunks_exact(src_channels)
            .zip(dst_samples.chunks_exact_mut(kept.len()))
        {
            for (slot, &channel) in d.iter_mut().zip(&kept) {
                if let Some(sample) = s.get(channel) {
                    *slot = *sample;
                }
            }
        }
        return;
    }
    for (s, d) in src.chunks_exact(src_ba).zip(dst.chunks_exact_mut(dst_ba)) {
        for (slot, &o) in d.chunks_exact_mut(N).zip(offs) {
            slot.copy_from_slice(&s[o..o + N]);
        }
    }
}

/// `permute_n` for a sample size only known at run time.
fn permute_dyn(n: usize, src: &[u8], src_ba: usize, offs: &[usize], dst: &mut [u8]) {
    let dst_ba = n * offs.len();
    for (s, d) in src.chunks_exact(src_ba).zip(dst.chunks_exact_mut(dst_ba)) {
        for (slot, &o) in d.chunks_exact_mut(n).zip(offs) {
            slot.copy_from_slice(&s[o..o + n]);
        }
    }
}

/// Writes the frames of `src` into `dst` re-laid by `offs` (byte offsets of the kept source samples).
/// `offs` must hold offsets below `src_ba - bps + 1`; `dst` holds whole output frames.
pub(crate) fn permute(bps: usize, src: &[u8], src_ba: usize, offs: &[usize], dst: &mut [u8]) {
    match bps {
        1 => permute_n::<1>(src, src_ba, offs, dst),
        2 => permute_n::<2>(src, src_ba, offs, dst),
        3 => permute_n::<3>(src, src_ba, offs, dst),
        4 => permute_n::<4>(src, src_ba, offs, dst),
        8 => permute_n::<8>(src, src_ba, offs, dst),
        n => permute_dyn(n, src, src_ba, offs, dst),
    }
}

/// Hashes the channels of interleaved frames, one streaming xxh3-128 per channel.
pub(crate) struct ChannelHasher {
    hashers: Vec<Xxh3Default>,
    scratch: Vec<u8>,
    bps: usize,
    frame_bytes: usize,
}

impl ChannelHasher {
    /// A hasher for `channels` channels of `bps`-byte samples in frames of `frame_bytes` bytes.
    pub(crate) fn new(channels: usize, bps: usize, frame_bytes: usize) -> ChannelHasher {
        ChannelHasher {
            hashers: (0..channels).map(|_| Xxh3Default::new()).collect(),
            scratch: Vec::new(),
            bps,
            frame_bytes: frame_bytes.max(bps * channels),
        }
    }

    /// Feeds whole interleaved frames (a trailing partial frame is ignored).
    pub(crate) fn update(&mut self, interleaved: &[u8]) {
        let ba = self.frame_bytes;
        if ba == 0 || self.bps == 0 {
            return;
        }
        if self.hashers.len() == 1 && ba == self.bps {
            // Mono: the interleaved bytes are the channel's bytes.
            let whole = interleaved.len() / ba * ba;
            if let (Some(hasher), Some(bytes)) =
                (self.hashers.first_mut(), interleaved.get(..whole))
            {
                hasher.update(bytes);
            }
            return;
        }
        let frames = interleaved.len() / ba;
        let len = frames * self.bps;
        if self.scratch.len() < len {
            self.scratch.resize(len, 0);
        }
        let (bps, scratch) = (self.bps, &mut self.scratch[..len]);
        for (c, hasher) in self.hashers.iter_mut().enumerate() {
            let off = [c * bps];
            permute(bps, interleaved, ba, &off, scratch);
            hasher.update(scratch);
        }
    }

    /// The digests so far.
    pub(crate) fn finish(&self) -> AudioDigest {
        AudioDigest {
            channels: self.hashers.iter().map(Xxh3Default::digest128).collect(),
        }
    }
}

/// Hashes each channel of an existing file's audio (whole frames), streaming in 1 MiB blocks.
pub fn digest_audio<R: Read + Seek>(r: &mut R, header: &Header) -> Result<AudioDigest, WavError> {
    let ba = usize::from(header.fmt.block_align);
    let bps = usize::from(header.fmt.bytes_per_sample());
    let mut hasher = ChannelHasher::new(usize::from(header.fmt.channels), bps, ba);
    read_audio_blocks(r, header, &mut |block| hasher.update(block))?;
    Ok(hasher.finish())
}

/// Streams an existing file's audio (whole frames) to `tap` in blocks of about 1 MiB, with no hashing.
pub fn read_audio_blocks<R: Read + Seek>(
    r: &mut R,
    header: &Header,
    tap: &mut dyn FnMut(&[u8]),
) -> Result<(), WavError> {
    if header.fmt.channels > crate::MAX_CHANNELS {
        return Err(WavError::TooManyChannels {
            channels: usize::from(header.fmt.channels),
            limit: crate::MAX_CHANNELS,
        });
    }
    let ba = usize::from(header.fmt.block_align);
    if ba == 0 {
        return Ok(());
    }
    let frames_per_block = ((1usize << 20) / ba)
        .min(usize::try_from(header.frames()).unwrap_or(usize::MAX))
        .max(1);
    let mut buf = vec![0u8; frames_per_block * ba];
    r.seek(SeekFrom::Start(header.data().payload_offset()))?;
    let mut left = header.frames();
    while left > 0 {
        let n = usize::try_from(left).map_or(frames_per_block, |l| l.min(frames_per_block));
        let block = &mut buf[..n * ba];
        r.read_exact(block)?;
        tap(block);
        left -= n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod channel_hash_tests {
    use super::*;

    /// Each channel's digest equals xxh3-128 of that channel's samples, extracted by hand, for every
    /// specialised sample width and across block boundaries.
    #[test]
    fn channel_digests_hash_each_channels_own_bytes() {
        for bps in [1usize, 2, 3, 4, 8] {
            let channels = 5;
            let frames = 1001;
            let ba = bps * channels;
            let audio: Vec<u8> = (0..frames * ba).map(|i| (i * 7 + i / 13) as u8).collect();
            let mut hasher = ChannelHasher::new(channels, bps, ba);
            let (first, second) = audio.split_at(ba * 600);
            hasher.update(first);
            hasher.update(second);
            let digest = hasher.finish();
            for c in 0..channels {
                let own: Vec<u8> = audio
                    .chunks_exact(ba)
                    .flat_map(|frame| frame[c * bps..(c + 1) * bps].to_vec())
                    .collect();
                assert_eq!(
                    digest.channels[c],
                    xxhash_rust::xxh3::xxh3_128(&own),
                    "{bps}-byte samples, channel {c}"
                );
            }
        }
    }
}
