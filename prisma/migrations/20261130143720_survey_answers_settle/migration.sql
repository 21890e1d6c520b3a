-- AlterTable
ALTER TABLE "SurveyResponse" ADD COLUMN     "settledAt" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "SurveyResponse_settledAt_answeredAt_idx" ON "SurveyResponse"("settledAt", "answeredAt");

-- Answers recorded before the settle window existed were announced at once
UPDATE "SurveyResponse" SET "settledAt" = "answeredAt" WHERE "settledAt" IS NULL;
