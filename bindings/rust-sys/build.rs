//! Finds libcorral for `corral-sys`.
//!
//! Order (design.md, "Where things are found"):
//! 1. pkg-config: `corral` in the supported ABI range (>= 0.1.0, < 0.2.0: while 0.x, the
//!    minor version is the ABI);
//! 2. otherwise the bundled core: this repository's `core/`, built by the `cmake` crate as a
//!    static, position-independent library without tests, examples or SWIG; libevent stays a
//!    system library found with pkg-config.
//!
//! `CORRAL_SYS_MODE=pkg-config` forces 1 (and fails if it is missing), `CORRAL_SYS_MODE=bundled`
//! forces 2. `CORRAL_SYS_SOURCE_DIR` points the bundled build at another checkout (default:
//! `../..` from this crate). `CORRAL_SYS_STATIC=1` asks pkg-config for the static library.
//!
//! Metadata for dependants (`DEP_CORRAL_*`): `include` (the directory holding `corral.h`),
//! `root`, `mode` (`pkg-config` or `bundled`), `version`, and `static=1` when linked statically.
use std::env;
use std::path::{Path, PathBuf};

const MIN: &str = "0.1.0";
const MAX: &str = "0.2.0";

fn env_var(name: &str) -> Option<String> {
    // Target-prefixed variant first (openssl-sys convention), then the plain name.
    let target = env::var("TARGET")
        .unwrap_or_default()
        .to_uppercase()
        .replace('-', "_");
    for key in [format!("{target}_{name}"), name.to_string()] {
        println!("cargo:rerun-if-env-changed={key}");
        if let Ok(v) = env::var(&key) {
            if !v.is_empty() {
                return Some(v);
            }
        }
    }
    None
}

fn try_pkg_config(required: bool) -> bool {
    let statik = env_var("CORRAL_SYS_STATIC")
        .map(|v| v != "0")
        .unwrap_or(false);
    let mut cfg = pkg_config::Config::new();
    cfg.range_version(MIN..MAX)
        .statik(statik)
        .cargo_metadata(true);
    match cfg.probe("corral") {
        Ok(lib) => {
            let inc = lib
                .include_paths
                .iter()
                .find(|p| p.join("corral.h").is_file())
                .cloned()
                .or_else(|| lib.include_paths.first().cloned())
                .unwrap_or_else(|| PathBuf::from("/usr/include"));
            println!("cargo:include={}", inc.display());
            println!("cargo:root={}", inc.parent().unwrap_or(&inc).display());
            println!("cargo:mode=pkg-config");
            println!("cargo:version={}", lib.version);
            if statik {
                println!("cargo:static=1");
            }
            println!("cargo:rustc-env=CORRAL_SYS_INCLUDE={}", inc.display());
            println!("cargo:rustc-env=CORRAL_SYS_MODE=pkg-config");
            true
        }
        Err(e) => {
            if required {
                panic!(
                    "CORRAL_SYS_MODE=pkg-config, but pkg-config found no corral in [{MIN}, {MAX}): {e}\n\
                     (install the core with `cmake --install <build> --prefix <p>` and set \
                     PKG_CONFIG_PATH=<p>/lib/pkgconfig, or use CORRAL_SYS_MODE=bundled)"
                );
            }
            println!("cargo:warning=corral-sys: pkg-config found no corral in [{MIN}, {MAX}) ({}); building the bundled core", e.to_string().lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("not found"));
            false
        }
    }
}

fn bundled() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let src = env_var("CORRAL_SYS_SOURCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("..").join(".."));
    let src = src.canonicalize().unwrap_or(src);
    let core = src.join("core");
    if !core.join("include").join("corral.h").is_file() {
        panic!(
            "corral-sys: bundled build needs the corral sources; {} has no core/include/corral.h \
             (set CORRAL_SYS_SOURCE_DIR)",
            src.display()
        );
    }
    println!("cargo:rerun-if-changed={}", core.display());
    println!(
        "cargo:rerun-if-changed={}",
        src.join("CMakeLists.txt").display()
    );
    println!("cargo:rerun-if-changed={}", src.join("cmake").display());

    // libevent stays a system library.
    let event = pkg_config::Config::new()
        .atleast_version("2.1")
        .cargo_metadata(false)
        .probe("libevent_core")
        .unwrap_or_else(|e| {
            panic!("corral-sys: bundled build needs libevent_core (libevent-dev): {e}")
        });

    let profile = env::var("PROFILE").unwrap_or_default();
    let dst = cmake::Config::new(&src)
        .generator(if which("ninja") {
            "Ninja"
        } else {
            "Unix Makefiles"
        })
        .define("CORRAL_BUILD_TESTS", "OFF")
        .define("CORRAL_BUILD_EXAMPLES", "OFF")
        .define("CORRAL_BUILD_BENCH", "OFF")
        .define("CORRAL_INSTALL", "OFF")
        .define("CMAKE_POSITION_INDEPENDENT_CODE", "ON")
        .profile(if profile == "release" {
            "Release"
        } else {
            "Debug"
        })
        .build_target("corral_static")
        .build();
    let libdir = dst.join("build").join("core");
    if !libdir.join("libcorral.a").is_file() {
        panic!(
            "corral-sys: bundled build produced no {}",
            libdir.join("libcorral.a").display()
        );
    }
    println!("cargo:rustc-link-search=native={}", libdir.display());
    println!("cargo:rustc-link-lib=static=corral");
    for dir in &event.link_paths {
        println!("cargo:rustc-link-search=native={}", dir.display());
    }
    for lib in &event.libs {
        println!("cargo:rustc-link-lib={lib}");
    }
    println!("cargo:rustc-link-lib=pthread");
    let inc = core.join("include");
    println!("cargo:include={}", inc.display());
    println!("cargo:root={}", core.display());
    println!("cargo:mode=bundled");
    println!("cargo:static=1");
    println!("cargo:version={MIN}");
    println!("cargo:rustc-env=CORRAL_SYS_INCLUDE={}", inc.display());
    println!("cargo:rustc-env=CORRAL_SYS_MODE=bundled");
}

fn which(prog: &str) -> bool {
    env::var_os("PATH")
        .map(|paths| env::split_paths(&paths).any(|d| Path::new(&d).join(prog).is_file()))
        .unwrap_or(false)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    match env_var("CORRAL_SYS_MODE").as_deref() {
        Some("pkg-config") | Some("pkgconfig") | Some("system") => {
            try_pkg_config(true);
        }
        Some("bundled") | Some("vendored") => bundled(),
        None | Some("auto") => {
            if !try_pkg_config(false) {
                bundled();
            }
        }
        Some(other) => panic!(
            "corral-sys: CORRAL_SYS_MODE={other:?}; expected `pkg-config`, `bundled` or `auto`"
        ),
    }
}
