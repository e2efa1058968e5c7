//! `discard_key`: delete a key pair that no certificate uses, such as the key of a
//! `generate_csr` whose renewal was abandoned.

use cryptoki::object::ObjectClass;
use protocol::host::{DiscardKeyArgs, DiscardKeyResult};
use protocol::ids::Pin;

use crate::context::Context;
use crate::error::HostError;
use crate::objects;

/// Answers `discard_key`.
pub fn run(
    ctx: &mut Context,
    args: &DiscardKeyArgs,
    pin: Option<&Pin>,
) -> Result<DiscardKeyResult, HostError> {
    let token = ctx.token(&args.token)?;
    let session = ctx.login(&token, pin)?;
    let id = args.key_id.to_bytes();
    if !objects::by_id(session, ObjectClass::CERTIFICATE, &id)?.is_empty() {
        return Err(HostError::KeyInUse(args.key_id.to_string()));
    }
    let mut handles = objects::by_id(session, ObjectClass::PRIVATE_KEY, &id)?;
    handles.extend(objects::by_id(session, ObjectClass::PUBLIC_KEY, &id)?);
    if handles.is_empty() {
        return Err(HostError::KeyNotFound(args.key_id.to_string()));
    }
    let mut deleted = 0;
    for handle in handles {
        session.destroy_object(handle)?;
        deleted += 1;
    }
    Ok(DiscardKeyResult {
        key_id: args.key_id.clone(),
        deleted,
    })
}
