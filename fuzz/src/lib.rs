//! Checks shared by the fuzz targets. Every function here panics (which libFuzzer
//! reports as a crash) when the host's parsing of untrusted browser bytes breaks one of
//! its promises.
//!
//! [`statements`] and [`notices`] hold the checks of the payment targets (issue 14).

pub mod notices;
pub mod statements;

use protocol::MAX_MESSAGE_BYTES;
use protocol::host::{Request, parse_request};
use serde_json::Value;

/// Parses one frame body as the host does and checks the outcome:
///
/// - an accepted request's id is at most 64 characters;
/// - a rejection becomes an answer whose JSON is at most `MAX_MESSAGE_BYTES`;
/// - a rejection's message never quotes the value of a `"pin"` string field of the input
///   (checked when the value has at least 4 characters; see [`check_pin_not_quoted`]).
pub fn check_body(body: &[u8]) {
    match parse_request(body) {
        Ok(request) => check_request(&request),
        Err(rejection) => {
            let message = rejection.message.clone();
            let response = rejection.into_response();
            let json = serde_json::to_vec(&response).expect("a rejection always serialises");
            assert!(
                json.len() <= MAX_MESSAGE_BYTES,
                "the rejection answer is {} bytes, over MAX_MESSAGE_BYTES",
                json.len()
            );
            check_pin_not_quoted(body, &message);
        }
    }
}

fn check_request(request: &Request) {
    let n = request.id.as_str().chars().count();
    assert!(
        (1..=64).contains(&n),
        "an accepted request id has {n} characters"
    );
    if let Some(pin) = &request.pin {
        let n = pin.expose().chars().count();
        assert!((1..=64).contains(&n), "an accepted PIN has {n} characters");
    }
}

/// Asserts that `message` (the rejection of `body`) does not quote any `"pin"` string
/// field found anywhere in `body`'s JSON.
///
/// A plain substring test would report false alarms: a 4-character "PIN" such as
/// `must` or `https` also occurs in the fixed wording of messages, and the same string
/// may also sit in another field that a message legitimately quotes (the origin, the
/// command name, an unknown variant). So when the message contains the PIN value, the
/// body is parsed again with that PIN replaced by a canary of the same length and the
/// same control characters (hence the same validity, hence the same parse path): if the
/// canary's message no longer contains the value, the value came from the PIN field,
/// and that is a leak.
pub fn check_pin_not_quoted(body: &[u8], message: &str) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let mut pins = Vec::new();
    collect_pins(&value, &mut pins);
    pins.sort();
    pins.dedup();
    for pin in pins {
        if pin.chars().count() < 4 || !message.contains(pin.as_str()) {
            continue;
        }
        let canary = canary_for(&pin);
        if canary == pin {
            continue;
        }
        let mut replaced = value.clone();
        replace_pins(&mut replaced, &pin, &canary);
        let replaced = serde_json::to_vec(&replaced).expect("a Value always serialises");
        let canary_message = match parse_request(&replaced) {
            Ok(_) => String::new(),
            Err(rejection) => rejection.message,
        };
        assert!(
            canary_message.contains(pin.as_str()),
            "the rejection message quotes the PIN {pin:?}: {message:?} \
             (with the PIN replaced by {canary:?}: {canary_message:?})"
        );
    }
}

// Every string value whose key is "pin", at any depth.
fn collect_pins(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "pin"
                    && let Value::String(s) = v
                {
                    out.push(s.clone());
                }
                collect_pins(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_pins(v, out)),
        _ => {}
    }
}

fn replace_pins(value: &mut Value, pin: &str, canary: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "pin"
                    && let Value::String(s) = v
                    && s == pin
                {
                    *s = canary.to_owned();
                    continue;
                }
                replace_pins(v, pin, canary);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_pins(v, pin, canary)),
        _ => {}
    }
}

// Same character count, same control characters, every other character replaced by
// one that does not occur in the PIN.
fn canary_for(pin: &str) -> String {
    let fill = ['Z', 'Q', '#', '~', '%']
        .into_iter()
        .find(|c| !pin.contains(*c))
        .unwrap_or('Z');
    pin.chars()
        .map(|c| if c.is_control() { c } else { fill })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGN: &str = r#"{"v":1,"id":"a","origin":"https://ca.example.com","cmd":"sign","args":{"token":"T1","pin":"PINVALUE","purpose":"nope"}}"#;

    #[test]
    #[should_panic(expected = "quotes the PIN")]
    fn a_message_quoting_the_pin_is_caught() {
        // A made-up message standing for a parser that would quote the PIN.
        check_pin_not_quoted(SIGN.as_bytes(), "bad pin PINVALUE");
    }

    #[test]
    fn the_real_parser_does_not_quote_the_pin() {
        check_body(SIGN.as_bytes());
    }

    #[test]
    fn a_pin_also_present_elsewhere_is_not_a_false_alarm() {
        // The PIN's value is also the command name, which the message quotes.
        let body = r#"{"v":1,"id":"a","origin":"https://ca.example.com","cmd":"zzzz","args":{"pin":"zzzz"}}"#;
        let message = parse_request(body.as_bytes()).unwrap_err().message;
        assert!(message.contains("zzzz"));
        check_pin_not_quoted(body.as_bytes(), &message);
        // The PIN's value is a word of the fixed wording.
        let body = r#"{"v":1,"id":"a","origin":"https://ca.example.com","cmd":"hello","args":{"pin":"takes"}}"#;
        check_body(body.as_bytes());
    }
}
