"""SQL that puts the emulator's default fixture into the real server's database, and takes it back there.

The same organisations, users and memberships, projects, environment ids and secret keys, personal and organization access tokens,
and a deployed worker with the fixture's tasks in every root environment, so a test written against the
emulator's /_emulator/config runs unchanged against the real server. Rows are plain SQL with fixed ids;
`seed_sql` is idempotent and `reset_sql` removes what tests create (runs, batches, schedules, env vars,
preview branches) while keeping what the `trigger dev` worker registered.

Column sets follow the Prisma schema at the pinned commit (internal-packages/database/prisma/schema.prisma).
"""

import hashlib
import json
import subprocess

WORKER_GROUP = "wig_seed000000000000000001"
MASTER_QUEUE = "seed-region"
TOKEN_SECRET = "realserver-worker-group-token"

# Tables whose rows are test data. TRUNCATE ... CASCADE also empties what references them (attempts,
# snapshots, waitpoints, tags, schedule instances, secret references).
# Not SecretReference: "User" references it, so CASCADE would empty the users and, through them, the
# environments and the worker `trigger dev` registered. Env-var secrets are deleted by key below.
MUTABLE_TABLES = ["TaskRun", "BatchTaskRun", "TaskSchedule", "EnvironmentVariable", "EnvironmentVariableValue", "Waitpoint", "BulkActionGroup",
                  "TaskRunTag", "IdempotencyKey"]


def q(value):
    """A SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert(table, row, conflict="DO NOTHING"):
    columns = ", ".join('"%s"' % name for name in row)
    values = ", ".join(q(value) for value in row.values())
    return 'INSERT INTO "%s" (%s) VALUES (%s) ON CONFLICT ("id") %s;\n' % (table, columns, values, conflict)


def reset_sql(_fixture=None):
    """Empty the test data; delete preview branches with everything that points at them."""
    truncate = ", ".join('"%s"' % name for name in MUTABLE_TABLES)
    return """
DO $$
DECLARE t text; present text[] := ARRAY[]::text[]; fk record;
BEGIN
  FOREACH t IN ARRAY ARRAY[%s] LOOP
    IF to_regclass(format('public.%%I', t)) IS NOT NULL THEN present := present || t; END IF;
  END LOOP;
  IF array_length(present, 1) > 0 THEN
    EXECUTE 'TRUNCATE ' || (SELECT string_agg(format('%%I', p), ', ') FROM unnest(present) p) || ' CASCADE';
  END IF;
  DELETE FROM "SecretStore" WHERE key LIKE 'environmentvariable:%%';
  DELETE FROM "SecretReference" r WHERE r.key LIKE 'environmentvariable:%%';
  -- branch environments: rows of every table with a foreign key to RuntimeEnvironment first
  CREATE TEMP TABLE branch_envs ON COMMIT DROP AS
    SELECT id FROM "RuntimeEnvironment" WHERE "parentEnvironmentId" IS NOT NULL;
  FOR fk IN
    SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.contype = 'f' AND c.confrelid = '"RuntimeEnvironment"'::regclass AND c.conrelid <> '"RuntimeEnvironment"'::regclass
  LOOP
    EXECUTE format('DELETE FROM %%s WHERE %%I IN (SELECT id FROM branch_envs)', fk.tbl, fk.col);
  END LOOP;
  DELETE FROM "RuntimeEnvironment" WHERE id IN (SELECT id FROM branch_envs);
END $$;
""" % truncate.replace('"', "'")


def _encrypt(token, key, node):
    """AES-256-GCM with the 32-character ENCRYPTION_KEY as the key, as the server's tokens.server.ts does."""
    script = ("const c=require('node:crypto');const n=c.randomBytes(12);const x=c.createCipheriv('aes-256-gcm',process.argv[2],n);"
              "let e=x.update(process.argv[1],'utf8','hex');e+=x.final('hex');"
              "console.log(JSON.stringify({nonce:n.toString('hex'),ciphertext:e,tag:x.getAuthTag().toString('hex')}))")
    result = subprocess.run([node, "-e", script, token, key], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout)


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def seed_sql(fixture, encryption_key, node):
    """The fixture as rows (fixture: the tests/emulator/state module)."""
    data = fixture.build_fixture()
    now = "2024-01-01T00:00:00.000Z"
    sql = ['DELETE FROM "RevokedApiKey";\n']   # rotated keys: the fixture's keys are the only ones again
    sql += [insert("User", {"id": user["id"], "email": user["email"], "authenticationMethod": "MAGIC_LINK", "admin": user["admin"],
                            "name": user["name"], "displayName": user["name"], "confirmedBasicDetails": True, "updatedAt": now})
            for user in data["users"].values()]
    for org in data["orgs"].values():
        sql.append(insert("Organization", {"id": org["id"], "slug": org["slug"], "title": org["title"], "v3Enabled": True,
                                           "maximumSchedulesLimit": 10000, "maximumConcurrencyLimit": 100, "updatedAt": now},
                          conflict='DO UPDATE SET "title" = EXCLUDED."title", "deletedAt" = NULL, "runsEnabled" = true'))
        sql.extend(insert("OrgMember", {"id": member["id"], "organizationId": org["id"], "userId": member["userId"], "role": member["role"],
                                        "updatedAt": now}) for member in org["members"])
    sql += [
        insert("WorkerGroupToken", {"id": "wgt_seed000000000000000001", "tokenHash": sha256(TOKEN_SECRET), "updatedAt": now}),
        insert("WorkerInstanceGroup", {"id": WORKER_GROUP, "type": "MANAGED", "name": "seed", "masterQueue": MASTER_QUEUE,
                                       "tokenId": "wgt_seed000000000000000001", "updatedAt": now}),
        insert("OrganizationAccessToken", {"id": "oat_demo000000000000000001", "name": "realserver", "hashedToken": sha256(fixture.OAT),
                                           "organizationId": fixture.ORG["id"], "updatedAt": now}),
    ]
    sql.extend(insert("PersonalAccessToken", {"id": pat["id"], "name": "realserver", "userId": pat["userId"],
                                              "obfuscatedToken": pat["token"][:11] + "*" * 20 + pat["token"][-4:],
                                              "encryptedToken": _encrypt(pat["token"], encryption_key, node), "hashedToken": sha256(pat["token"]),
                                              "updatedAt": now}) for pat in data["pats"].values())
    for project in data["projects"].values():
        sql.append(insert("Project", {"id": project["id"], "name": project["name"], "organizationId": project["orgId"], "slug": project["slug"],
                                      "externalRef": project["ref"], "version": "V3", "engine": "V2", "defaultWorkerGroupId": WORKER_GROUP,
                                      "updatedAt": now},
                          conflict='DO UPDATE SET "name" = EXCLUDED."name", "deletedAt" = NULL, "defaultWorkerGroupId" = EXCLUDED."defaultWorkerGroupId"'))
        for env in project["environments"].values():
            sql.append(insert("RuntimeEnvironment", {
                "id": env["id"], "slug": env["slug"], "apiKey": env["apiKey"], "pkApiKey": env["apiKey"].replace("tr_", "pk_", 1),
                "organizationId": project["orgId"], "projectId": project["id"], "type": env["type"], "shortcode": env["shortcode"],
                "orgMemberId": env["orgMemberId"], "isBranchableEnvironment": env["isBranchable"],
                "paused": False, "maximumConcurrencyLimit": 25, "updatedAt": now,
            }, conflict='DO UPDATE SET "apiKey" = EXCLUDED."apiKey", "paused" = false, "archivedAt" = NULL'))
            if env["type"] != "PREVIEW":
                sql.extend(_worker_rows(project, env, now))
        for schedule in project["schedules"].values():
            sql.extend(_schedule_rows(project, schedule, now))
    return "".join(sql)


def _worker_rows(project, env, now):
    worker = env["worker"]
    worker_id = worker["id"]
    rows = [insert("BackgroundWorker", {"id": worker_id, "friendlyId": worker_id, "projectId": project["id"], "runtimeEnvironmentId": env["id"],
                                        "version": worker["version"], "metadata": {}, "contentHash": sha256(worker_id), "engine": "V2",
                                        "sdkVersion": worker["sdkVersion"], "cliVersion": worker["cliVersion"],
                                        "workerGroupId": None if env["type"] == "DEVELOPMENT" else WORKER_GROUP, "updatedAt": now})]
    for slug in worker["tasks"]:
        task = project["tasks"][slug]
        queue_id = "queue_%s_%s" % (env["id"], slug)
        # a reset puts back what tests change on a queue (pause, overrides): an upsert of the seeded row
        rows.append(insert("TaskQueue", {"id": queue_id, "friendlyId": queue_id, "name": "task/" + slug, "orderableName": "task/" + slug,
                                         "type": "VIRTUAL", "version": "V2", "projectId": project["id"], "runtimeEnvironmentId": env["id"],
                                         "updatedAt": now},
                           conflict='DO UPDATE SET "paused" = false, "concurrencyLimit" = NULL, "concurrencyLimitBase" = NULL, '
                                    '"concurrencyLimitOverriddenAt" = NULL, "concurrencyLimitOverriddenBy" = NULL, '
                                    '"concurrencyLimitOverridePercent" = NULL'))
        rows.append('INSERT INTO "_BackgroundWorkerToTaskQueue" ("A", "B") VALUES (%s, %s) ON CONFLICT DO NOTHING;\n' % (q(worker_id), q(queue_id)))
        task_id = "task_%s_%s" % (env["id"], slug)
        rows.append(insert("BackgroundWorkerTask", {"id": task_id, "friendlyId": task_id, "slug": slug, "filePath": "src/trigger/tasks.ts",
                                                    "exportName": slug, "workerId": worker_id, "projectId": project["id"],
                                                    "runtimeEnvironmentId": env["id"], "triggerSource": task["type"], "queueId": queue_id,
                                                    "queueConfig": {"name": "task/" + slug},
                                                    "updatedAt": now}))
    if env["type"] != "DEVELOPMENT":
        deployment = "deployment_%s" % env["id"]
        rows.append(insert("WorkerDeployment", {"id": deployment, "friendlyId": deployment, "shortCode": env["shortcode"] + "seed",
                                                "version": worker["version"], "status": "DEPLOYED", "type": "MANAGED", "projectId": project["id"],
                                                "environmentId": env["id"], "workerId": worker_id, "contentHash": sha256(worker_id),
                                                "deployedAt": now, "updatedAt": now}))
        rows.append(insert("WorkerDeploymentPromotion", {"id": "promotion_%s" % env["id"], "label": "current", "deploymentId": deployment,
                                                         "environmentId": env["id"]}))
    return rows


def _schedule_rows(project, schedule, now):
    rows = [insert("TaskSchedule", {"id": schedule["id"], "friendlyId": schedule["id"], "taskIdentifier": schedule["task"],
                                    "deduplicationKey": schedule["dedupKey"], "userProvidedDeduplicationKey": schedule["userDedup"],
                                    "generatorExpression": schedule["cron"], "generatorDescription": "At 12:00 AM",
                                    "timezone": schedule["timezone"], "externalId": schedule["externalId"], "type": schedule["type"],
                                    "active": schedule["active"], "projectId": project["id"], "updatedAt": now})]
    for env_id in schedule["envIds"]:
        rows.append(insert("TaskScheduleInstance", {"id": "instance_%s_%s" % (schedule["id"], env_id), "taskScheduleId": schedule["id"],
                                                    "environmentId": env_id, "projectId": project["id"], "updatedAt": now}))
    return rows
