-- Appends one audit event to the hash chain inside the database, in one statement from the client.
-- Before, the chain lock was taken in an interactive transaction and held across the client's round trips
-- (read the head, then insert): a busy worker kept every other writer waiting. Here the lock is held only while
-- this function runs. The caller sends the event's fields and their canonical text (lib/audit/log.ts: what the
-- hash covers besides the predecessor's hash); the function links it to the head under the lock:
--   hash = sha256(prevHash || canonical), hex — the same as auditHash() in lib/audit/log.ts, which verify uses.
-- In READ COMMITTED each statement of a VOLATILE plpgsql function takes a new snapshot, so the head read after the
-- lock sees every event committed before it. Runs as the caller (cmk_app may INSERT and SELECT audit events).
CREATE FUNCTION audit_append(
  p_occurred_at TIMESTAMP(3),
  p_actor_type "ActorType",
  p_actor_id TEXT,
  p_actor_tenant_id TEXT,
  p_actor_role TEXT,
  p_action TEXT,
  p_target_type TEXT,
  p_target_id TEXT,
  p_customer_tenant_id UUID,
  p_reason TEXT,
  p_result "AuditResult",
  p_request_id TEXT,
  p_details JSONB,
  p_canonical TEXT
) RETURNS TEXT AS $$
DECLARE
  prev TEXT;
  next_hash TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(727001);
  SELECT "hash" INTO prev FROM "AuditEvent" ORDER BY "seq" DESC LIMIT 1;
  prev := coalesce(prev, repeat('0', 64));
  next_hash := encode(sha256(convert_to(prev || p_canonical, 'UTF8')), 'hex');
  INSERT INTO "AuditEvent" (
    "occurredAt", "actorType", "actorId", "actorTenantId", "actorRole", "action", "targetType", "targetId",
    "customerTenantId", "reason", "result", "requestId", "details", "prevHash", "hash"
  ) VALUES (
    p_occurred_at, p_actor_type, p_actor_id, p_actor_tenant_id, p_actor_role, p_action, p_target_type, p_target_id,
    p_customer_tenant_id, p_reason, p_result, p_request_id, p_details, prev, next_hash
  );
  RETURN next_hash;
END;
$$ LANGUAGE plpgsql VOLATILE;
