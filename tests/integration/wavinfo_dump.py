"""Print what wavinfo (PyPI) reads from WAV files, as JSON, for rollcall's agreement tests.

Usage: python3 wavinfo_dump.py FILE... ; one object per file: path, scene, take, tape, channels, tracks,
error.
"""
import json
import sys

import wavinfo


def dump(path):
    entry = {"path": path, "scene": None, "take": None, "tape": None, "tracks": None, "channels": None,
             "error": None}
    try:
        info = wavinfo.WavInfoReader(path)
    except Exception as e:  # wavinfo refuses many broken files; that is a fact to report, not a failure
        entry["error"] = f"{type(e).__name__}: {e}"
        return entry
    fmt = getattr(info, "fmt", None)
    if fmt is not None:
        entry["channels"] = fmt.channel_count
    ixml = getattr(info, "ixml", None)
    if ixml is not None:
        entry["scene"] = ixml.scene
        entry["take"] = ixml.take
        entry["tape"] = ixml.tape
        try:
            tracks = list(ixml.track_list)
        except Exception:  # wavinfo fails on iXML without a TRACK_LIST: no track names to compare
            tracks = []
        if tracks:
            entry["tracks"] = [t.name for t in tracks]
    return entry


print(json.dumps([dump(p) for p in sys.argv[1:]]))
