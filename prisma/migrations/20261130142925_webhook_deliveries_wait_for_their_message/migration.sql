-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "appliedAt" TIMESTAMPTZ(3),
ADD COLUMN     "emailId" TEXT,
ADD COLUMN     "payload" JSONB;

-- CreateIndex
CREATE INDEX "WebhookDelivery_emailId_appliedAt_idx" ON "WebhookDelivery"("emailId", "appliedAt");
