-- Managed HSM local role assignments the wizard creates are recorded too, so that they can be undone.
ALTER TYPE "PortalGrantKind" ADD VALUE 'HSM_ROLE_ASSIGNMENT';
