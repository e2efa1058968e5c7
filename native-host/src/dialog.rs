//! The installer's window (part of the `certrenew-host` binary, not the library): a
//! message box in the system's display language, and hiding the console window a
//! double-click opens. The crate's one use of `unsafe`: three Win32 calls.
//!
//! On other systems the message is printed.

use native_host::install::messages::{Lang, Message};

/// The language of the person's Windows display (Chinese or English); English
/// elsewhere unless `LANG` starts with `zh`.
pub fn language() -> Lang {
    #[cfg(windows)]
    {
        // SAFETY: GetUserDefaultUILanguage takes no argument and only returns a LANGID.
        let langid = unsafe { windows_sys::Win32::Globalization::GetUserDefaultUILanguage() };
        Lang::from_langid(langid)
    }
    #[cfg(not(windows))]
    {
        match std::env::var("LANG") {
            Ok(l) if l.starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }
}

/// Closes the console window when this process is its only user (a double-click
/// opened it for us); a console someone typed in is left alone.
pub fn hide_own_console() {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::Console::{FreeConsole, GetConsoleProcessList};
        let mut ids = [0u32; 2];
        // SAFETY: the buffer is valid for 2 u32s and its length is passed as 2.
        let count = unsafe { GetConsoleProcessList(ids.as_mut_ptr(), 2) };
        if count == 1 {
            // SAFETY: FreeConsole takes no argument; failure only leaves the window.
            unsafe { FreeConsole() };
        }
    }
}

/// Shows `message` and waits until it is closed.
pub fn show(message: &Message, error: bool) {
    #[cfg(windows)]
    {
        use windows_sys::Win32::UI::WindowsAndMessaging::{
            MB_ICONERROR, MB_ICONINFORMATION, MB_OK, MB_SETFOREGROUND, MessageBoxW,
        };
        let wide = |s: &str| -> Vec<u16> { s.encode_utf16().chain(std::iter::once(0)).collect() };
        let body = wide(&message.body);
        let title = wide(&message.title);
        let icon = if error {
            MB_ICONERROR
        } else {
            MB_ICONINFORMATION
        };
        // SAFETY: both strings are NUL-terminated UTF-16 buffers that outlive the call;
        // a null owner window is allowed.
        unsafe {
            MessageBoxW(
                std::ptr::null_mut(),
                body.as_ptr(),
                title.as_ptr(),
                MB_OK | icon | MB_SETFOREGROUND,
            )
        };
    }
    #[cfg(not(windows))]
    {
        let _ = error;
        println!("{}\n{}", message.title, message.body);
    }
}
