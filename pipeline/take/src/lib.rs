//! A take read from its header, and edits applied to it with every mirror kept coherent.
