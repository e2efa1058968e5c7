//! The renewal state machine. Its states, events, transition table and status→stage
//! rule live in `protocol::renewal`, shared with the app; the server names the state
//! `Status`. Nothing else in the server decides a transition.

pub use protocol::renewal::{Event, IllegalTransition, RenewalStatus as Status};
