//! [`entry_points!`](crate::entry_points): the four GDNative entry points
//! and the crate's registration, for a library that embeds the crate.

/// Gives a GDNative library its entry points, with this crate registered
/// before the library's own classes and terminated when Godot unloads the
/// library:
///
/// ```no_run
/// use gdnative::prelude::*;
///
/// #[derive(NativeClass)]
/// #[inherit(Reference)]
/// #[no_constructor]
/// struct Game;
///
/// #[methods]
/// impl Game {}
///
/// fn init(handle: InitHandle) {
///     handle.add_class::<Game>();
/// }
///
/// gdnative_tokio::entry_points!(init);
/// # fn main() {}
/// ```
///
/// It expands to `godot_gdnative_init!`, `godot_nativescript_init!` with a
/// callback that calls [`register`](crate::register) and then `init`,
/// `godot_gdnative_terminate!`, and a `godot_nativescript_terminate` that
/// calls [`terminate`](crate::terminate) (a panic there is caught and
/// printed, never unwound into the engine). `entry_points!()` with no
/// argument registers this crate's classes only: this crate's own library
/// (feature `entry-points`) is that line.
///
/// Use it once, at the root of a `cdylib` crate that depends on this one
/// with `default-features = false` (only one set of entry points may be
/// linked) and on `gdnative` (the expansion checks the Godot version with
/// your crate's `custom-godot` feature, as gdnative's own macros do).
#[macro_export]
macro_rules! entry_points {
    () => {
        $crate::entry_points!($crate::__private::no_classes);
    };
    ($init:path) => {
        fn __gdnative_tokio_init(handle: $crate::__private::gdnative::init::InitHandle) {
            $crate::register(handle);
            $init(handle);
        }

        $crate::__private::gdnative::init::godot_gdnative_init!();
        $crate::__private::gdnative::init::godot_nativescript_init!(__gdnative_tokio_init);
        $crate::__private::gdnative::init::godot_gdnative_terminate!();

        /// Called by Godot when it unloads the library at exit: drops the
        /// tasks still pending while Godot objects can still be released.
        ///
        /// # Safety
        ///
        /// Called by Godot only, once, on the main thread.
        #[allow(unreachable_pub)]
        #[no_mangle]
        pub unsafe extern "C" fn godot_nativescript_terminate(_handle: *mut ::std::ffi::c_void) {
            if ::std::panic::catch_unwind($crate::terminate).is_err() {
                ::std::eprintln!("gdnative-tokio: terminate panicked");
            }
        }
    };
}

/// What the expansion of [`entry_points!`](crate::entry_points) names; not
/// part of the API.
#[doc(hidden)]
pub mod private {
    pub use gdnative;

    /// The init callback of `entry_points!()`: no classes of the library's own.
    pub fn no_classes(_handle: gdnative::init::InitHandle) {}
}
