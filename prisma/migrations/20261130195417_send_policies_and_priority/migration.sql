-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "policyVersion" INTEGER;

-- CreateTable
CREATE TABLE "PolicyVersion" (
    "version" INTEGER NOT NULL,
    "policies" JSONB NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorUserId" TEXT,
    "actorKeyId" TEXT,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "SendIntent" (
    "enrollmentId" TEXT NOT NULL,
    "stepKey" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "capClass" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "journeyKey" TEXT NOT NULL,

    CONSTRAINT "SendIntent_pkey" PRIMARY KEY ("enrollmentId","stepKey")
);

-- CreateIndex
CREATE INDEX "SendIntent_customerId_capClass_idx" ON "SendIntent"("customerId", "capClass");
