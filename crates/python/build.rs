//! Emits pyo3's `Py_3_x` cfgs for the interpreter the extension is built for, so the few
//! version-specific struct layouts (`serialization/dict_table.rs`) are chosen at compile time.

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
