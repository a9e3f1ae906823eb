//! Page-lifetime state without `std`. The wasm agent runs on the page's one thread
//! (wasm32 without the atomics feature has no threads), so a plain `static` holds its state
//! there; native builds (unit tests) keep `thread_local!`. Both are read with `NAME.with(..)`.

/// A static that only the page's thread touches.
#[cfg(target_arch = "wasm32")]
pub struct PageLocal<T>(T);

// SAFETY: wasm32 without the atomics target feature runs a single thread: a value can never be
// reached from two threads. The build (scripts/build-agent.sh) does not enable atomics.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl<T> Sync for PageLocal<T> {}

#[cfg(target_arch = "wasm32")]
impl<T> PageLocal<T> {
    /// Wraps the initial value.
    pub const fn new(value: T) -> Self {
        PageLocal(value)
    }

    /// Runs `f` with the value, like `LocalKey::with`.
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

/// Declares page-lifetime statics: `page_state! { static X: Cell<u32> = Cell::new(0); }`.
/// Initialisers must be `const`.
#[cfg(target_arch = "wasm32")]
macro_rules! page_state {
    ($($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        $($(#[$meta])* static $name: $crate::shared::state::PageLocal<$ty> = $crate::shared::state::PageLocal::new($init);)*
    };
}

/// Declares page-lifetime statics: `page_state! { static X: Cell<u32> = Cell::new(0); }`.
/// Initialisers must be `const`.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! page_state {
    ($($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        std::thread_local! { $($(#[$meta])* static $name: $ty = const { $init };)* }
    };
}

pub(crate) use page_state;

/// `RefCell` access that cannot panic. The agent never borrows re-entrantly; were it to, the
/// call is skipped (`None`) instead of aborting, and no panic message (with the formatting
/// code it needs) ends up in the wasm.
pub trait Quiet<T> {
    /// Runs `f` with exclusive access.
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R>;
}

impl<T> Quiet<T> for core::cell::RefCell<T> {
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.try_borrow_mut().ok().map(|mut v| f(&mut v))
    }
}
