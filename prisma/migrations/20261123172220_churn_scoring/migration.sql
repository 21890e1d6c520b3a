-- AlterTable
ALTER TABLE "ChurnScore" ADD COLUMN     "computedBy" TEXT,
ADD COLUMN     "externalScore" DOUBLE PRECISION,
ADD COLUMN     "externalSource" TEXT,
ADD COLUMN     "modelBand" TEXT,
ADD COLUMN     "modelScore" DOUBLE PRECISION,
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'model',
ALTER COLUMN "score" SET DATA TYPE DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "ChurnScoreHistory" ADD COLUMN     "computedBy" TEXT,
ADD COLUMN     "modelScore" DOUBLE PRECISION,
ALTER COLUMN "score" SET DATA TYPE DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "ChurnModel" (
    "id" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "unit" TEXT NOT NULL DEFAULT 'weeks',
    "source" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "repeatBuyers" INTEGER NOT NULL,
    "sampled" INTEGER NOT NULL,
    "logLikelihood" DOUBLE PRECISION,
    "typicalGapDays" DOUBLE PRECISION,
    "fittedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChurnModel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChurnScoringPage" (
    "runId" TEXT NOT NULL,
    "page" INTEGER NOT NULL,
    "afterCustomerId" TEXT,
    "cursor" TEXT,
    "scored" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "bandChanges" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "ChurnScoringPage_pkey" PRIMARY KEY ("runId","page")
);

-- CreateIndex
CREATE INDEX "ChurnModel_fittedAt_idx" ON "ChurnModel"("fittedAt");

-- CreateIndex
CREATE INDEX "ChurnScoringPage_startedAt_idx" ON "ChurnScoringPage"("startedAt");
