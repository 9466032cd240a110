//! iXML model and byte-preserving editor.
