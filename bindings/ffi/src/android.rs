//! Android only: hands the JVM to rustls-platform-verifier, so TLS to the
//! feed is checked against Android's own trust store. Called once at start
//! by `dev.genuine.GenuineAndroid.init(context)` (in the AAR).

use jni::EnvUnowned;
use jni::errors::ThrowRuntimeExAndDefault;
use jni::jni_mangle;
use jni::objects::{JClass, JObject};

/// `GenuineAndroid.initPlatformVerifier(Context)`.
#[jni_mangle("dev.genuine.GenuineAndroid")]
pub fn initPlatformVerifier<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    context: JObject<'caller>,
) {
    unowned_env
        .with_env(|env| rustls_platform_verifier::android::init_with_env(env, context))
        .resolve::<ThrowRuntimeExAndDefault>();
}
