//! `discard_key`: delete a key pair that `generate_csr` made and no certificate uses,
//! the key of an abandoned renewal. Any other key is the user's and is kept, even
//! without a certificate (it may be an encryption key they still need). The key's
//! renewal binding goes with it.

use cryptoki::object::ObjectClass;
use protocol::host::{DiscardKeyArgs, DiscardKeyResult};
use protocol::ids::Pin;

use crate::context::Context;
use crate::error::HostError;
use crate::keygen::PENDING_LABEL;
use crate::{binding, objects};

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
    for &handle in &handles {
        if objects::label(session, handle)?.trim() != PENDING_LABEL {
            return Err(HostError::KeyInUse(args.key_id.to_string()));
        }
    }
    let mut deleted = 0;
    for handle in handles {
        session.destroy_object(handle)?;
        deleted += 1;
    }
    binding::remove(session, &id)?;
    Ok(DiscardKeyResult {
        key_id: args.key_id.clone(),
        deleted,
    })
}
