//! Lossless Broadcast WAV / RF64 / BW64 container layer: read every chunk, stream-write with edits.
