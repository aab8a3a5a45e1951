export { hasOneOfRoles, normaliseRole, staffRole } from "@kopru/service-kit/roles";
