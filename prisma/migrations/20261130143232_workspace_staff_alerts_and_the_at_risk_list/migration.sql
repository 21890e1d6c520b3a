-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('open', 'acknowledged', 'snoozed', 'resolved');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('admin', 'marketer', 'success_manager');

-- DropIndex
DROP INDEX "Enrollment_customerId_idx";

-- DropIndex
DROP INDEX "Alert_ackedAt_createdAt_idx";

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "riskBand" "ChurnBand",
ADD COLUMN     "riskScore" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "riskValue" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "value" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Alert" ADD COLUMN     "assigneeId" TEXT,
ADD COLUMN     "escalatedAt" TIMESTAMPTZ(3),
ADD COLUMN     "resolvedAt" TIMESTAMPTZ(3),
ADD COLUMN     "snoozedUntil" TIMESTAMPTZ(3),
ADD COLUMN     "status" "AlertStatus" NOT NULL DEFAULT 'open';

-- AlterTable: roles become an enum in place, the old default role "manager" becomes success_manager
ALTER TABLE "StaffUser" ADD COLUMN     "disabledAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastSignInAt" TIMESTAMPTZ(3),
ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "StaffUser" ALTER COLUMN "role" SET DATA TYPE "StaffRole" USING (CASE "role" WHEN 'admin' THEN 'admin' WHEN 'marketer' THEN 'marketer' ELSE 'success_manager' END)::"StaffRole";
ALTER TABLE "StaffUser" ALTER COLUMN "role" SET DEFAULT 'success_manager';

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY['ingest', 'read', 'write', 'admin']::TEXT[],
ADD COLUMN     "userId" TEXT;

-- CreateTable
CREATE TABLE "StaffSession" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "StaffSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorUserId" TEXT,
    "actorKeyId" TEXT,
    "action" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "customerId" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffNotification" (
    "id" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "providerId" TEXT,
    "reason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMPTZ(3),

    CONSTRAINT "StaffNotification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StaffSession_userId_idx" ON "StaffSession"("userId");

-- CreateIndex
CREATE INDEX "AuditEntry_customerId_at_idx" ON "AuditEntry"("customerId", "at");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE UNIQUE INDEX "StaffNotification_dedupeKey_key" ON "StaffNotification"("dedupeKey");

-- CreateIndex
CREATE INDEX "StaffNotification_userId_createdAt_idx" ON "StaffNotification"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "Customer_riskValue_id_idx" ON "Customer"("riskValue" DESC, "id");

-- CreateIndex
CREATE INDEX "Customer_riskScore_id_idx" ON "Customer"("riskScore" DESC, "id");

-- CreateIndex
CREATE INDEX "Customer_value_id_idx" ON "Customer"("value" DESC, "id");

-- CreateIndex
CREATE INDEX "Customer_lastOrderAt_id_idx" ON "Customer"("lastOrderAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Customer_ownerId_riskValue_id_idx" ON "Customer"("ownerId", "riskValue" DESC, "id");

-- CreateIndex
CREATE INDEX "Customer_riskBand_riskValue_id_idx" ON "Customer"("riskBand", "riskValue" DESC, "id");

-- CreateIndex
CREATE INDEX "Enrollment_customerId_enteredAt_idx" ON "Enrollment"("customerId", "enteredAt");

-- CreateIndex
CREATE INDEX "SurveyResponse_customerId_answeredAt_idx" ON "SurveyResponse"("customerId", "answeredAt");

-- CreateIndex
CREATE INDEX "Alert_status_createdAt_idx" ON "Alert"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Alert_assigneeId_status_idx" ON "Alert"("assigneeId", "status");

-- CreateIndex
CREATE INDEX "Alert_customerId_createdAt_idx" ON "Alert"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "AccountNote_customerId_createdAt_idx" ON "AccountNote"("customerId", "createdAt");

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffSession" ADD CONSTRAINT "StaffSession_userId_fkey" FOREIGN KEY ("userId") REFERENCES "StaffUser"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffNotification" ADD CONSTRAINT "StaffNotification_userId_fkey" FOREIGN KEY ("userId") REFERENCES "StaffUser"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Backfill: alerts already acknowledged keep that status
UPDATE "Alert" SET "status" = 'acknowledged' WHERE "ackedAt" IS NOT NULL;

-- Backfill: the at-risk list's sort keys from the scores and the last 365 days of orders
UPDATE "Customer" c SET
  "riskScore" = s."score",
  "riskBand" = s."band"
FROM "ChurnScore" s WHERE s."customerId" = c."id";
UPDATE "Customer" c SET "value" = v.spend
FROM (SELECT "customerId", SUM("total" - "refundedAmount")::float8 AS spend FROM "Order" WHERE "placedAt" > now() - interval '365 days' GROUP BY "customerId") v
WHERE v."customerId" = c."id";
UPDATE "Customer" SET "riskValue" = "riskScore" / 100.0 * "value" WHERE "riskScore" > 0 AND "value" > 0;
