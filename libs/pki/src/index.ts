// A local certificate authority for development and tests (ADR 0013): one CA, a certificate per
// service (server and client, for mutual TLS on gRPC) and for operator tools (client only).
export {
  type CertificateAuthority,
  CertificateAuthorityError,
  type CertificateUsage,
  type CreateCertificateAuthorityOptions,
  createCertificateAuthority,
  type IssueCertificateOptions,
  type IssuedCertificate,
  issueCertificate,
} from "./authority.js";
