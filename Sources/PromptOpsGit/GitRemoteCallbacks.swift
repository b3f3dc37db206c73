import CLibGit2
import Foundation

/// libgit2's remote callbacks for a ``FetchSession``: credentials (asked for at most twice,
/// so a wrong key fails instead of looping), host-key checking, and cancelling once the
/// deadline has passed whenever libgit2 reports progress. A remote that sends nothing at all
/// is bounded by the process running the fetch (see the controller's fetch runner).
enum GitRemoteCallbacks {
    static func install(_ callbacks: inout git_remote_callbacks, session: FetchSession) {
        callbacks.payload = Unmanaged.passUnretained(session).toOpaque()
        callbacks.credentials = { out, url, usernameFromURL, allowedTypes, payload in
            let session = Unmanaged<FetchSession>.fromOpaque(payload!).takeUnretainedValue()
            // Credentials go only to the configured host, never to one a redirect points at.
            if let url, FetchSession.hostAndPort(String(cString: url)).0 != session.host {
                session.refusal = "the remote redirected to another host; credentials are only sent to \(session.host)"
                git_error_set_str(Int32(GIT_ERROR_NET.rawValue), session.refusal)
                return GIT_EAUTH.rawValue
            }
            session.credentialRequests += 1
            if session.credentialRequests > 2 {
                session.refusal = "authentication failed: the server refused the configured \(session.credentials)"
                git_error_set_str(Int32(GIT_ERROR_NET.rawValue), session.refusal)
                return GIT_EAUTH.rawValue
            }
            let username = usernameFromURL.map { String(cString: $0) }
            switch session.credentials {
            case .none:
                session.refusal = "the remote asks for credentials; configure auth for this source"
                git_error_set_str(Int32(GIT_ERROR_NET.rawValue), session.refusal)
                return GIT_EAUTH.rawValue
            case .ssh(let keyPath, let passphrase, _):
                let user = (username?.isEmpty == false ? username : nil) ?? "git"
                if allowedTypes & GIT_CREDENTIAL_USERNAME.rawValue != 0 && allowedTypes & GIT_CREDENTIAL_SSH_KEY.rawValue == 0 {
                    return git_credential_username_new(out, user)
                }
                guard allowedTypes & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 else {
                    session.refusal = "the server does not accept SSH keys"
                    git_error_set_str(Int32(GIT_ERROR_NET.rawValue), session.refusal)
                    return GIT_EAUTH.rawValue
                }
                return git_credential_ssh_key_new(out, user, nil, keyPath, passphrase)
            case .https(let user, let password, _):
                guard allowedTypes & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 else {
                    session.refusal = "the server does not accept a user name and password"
                    git_error_set_str(Int32(GIT_ERROR_NET.rawValue), session.refusal)
                    return GIT_EAUTH.rawValue
                }
                return git_credential_userpass_plaintext_new(out, user, password)
            }
        }
        callbacks.certificate_check = { cert, valid, _, payload in
            let session = Unmanaged<FetchSession>.fromOpaque(payload!).takeUnretainedValue()
            guard let cert else { return -1 }
            if cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 {
                guard case .ssh = session.credentials else { return GIT_PASSTHROUGH.rawValue }
                let hostkey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
                guard hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey else {
                    session.refusal = "the SSH library did not expose the host key of \(session.host); refusing to connect"
                    git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), session.refusal)
                    return GIT_ECERTIFICATE.rawValue
                }
                let key = Array(UnsafeRawBufferPointer(start: raw, count: hostkey.hostkey_len))
                if let refusal = session.refuseHostKey(key) {
                    session.refusal = refusal
                    git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), refusal)
                    return GIT_ECERTIFICATE.rawValue
                }
                return 0
            }
            // TLS: libgit2 already decided against the system's (or caFile's) trust store.
            if valid == 0 {
                session.refusal = "the TLS certificate of \(session.host) is not trusted"
                git_error_set_str(Int32(GIT_ERROR_SSL.rawValue), session.refusal)
                return GIT_ECERTIFICATE.rawValue
            }
            return 0
        }
        callbacks.transfer_progress = { _, payload in
            let session = Unmanaged<FetchSession>.fromOpaque(payload!).takeUnretainedValue()
            return session.isPastDeadline ? -1 : 0
        }
        callbacks.sideband_progress = { _, _, payload in
            let session = Unmanaged<FetchSession>.fromOpaque(payload!).takeUnretainedValue()
            return session.isPastDeadline ? -1 : 0
        }
    }
}
