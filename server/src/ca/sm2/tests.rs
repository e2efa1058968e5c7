use super::*;

#[test]
fn init_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Sm2Ca::init_pem(dir.path(), "certrenew SM2 test CA").unwrap();
    let again = Sm2Ca::init_pem(dir.path(), "ignored").unwrap();
    assert_eq!(ca.certificate(), again.certificate());
    assert!(is_sm2_key_file(&dir.path().join(DIR).join(KEY_FILE)));
    assert_eq!(
        certinfo::verify_issued_by(ca.certificate(), &[ca.certificate().to_vec()]).unwrap(),
        0
    );
}
