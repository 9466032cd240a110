//! rollcall step plugin: channel-layout.
