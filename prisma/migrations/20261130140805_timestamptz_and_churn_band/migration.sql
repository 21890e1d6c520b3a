-- Every timestamp becomes `timestamptz(3)` and the churn bands a `ChurnBand` enum, in place: the
-- generated DROP COLUMN / ADD COLUMN for the bands (which loses them) is replaced by ALTER ... TYPE
-- ... USING, and every timestamp says how to read the old values. The old `timestamp(3)` columns
-- hold UTC wall-clock times, so `col AT TIME ZONE 'UTC'` gives the same instant whatever the
-- session's TimeZone (a bare cast would read them in the session's zone). Each table is rewritten
-- once (one ALTER TABLE per table). The bands were only ever `low`, `medium` or `high`.
-- (No semicolons in comments: the schema engine splits the script on them.)

-- CreateEnum
CREATE TYPE "ChurnBand" AS ENUM ('low', 'medium', 'high');

-- AlterTable
ALTER TABLE "Customer" ALTER COLUMN "journeysPausedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "journeysPausedAt" AT TIME ZONE 'UTC',
ALTER COLUMN "firstOrderAt" SET DATA TYPE TIMESTAMPTZ(3) USING "firstOrderAt" AT TIME ZONE 'UTC',
ALTER COLUMN "lastOrderAt" SET DATA TYPE TIMESTAMPTZ(3) USING "lastOrderAt" AT TIME ZONE 'UTC',
ALTER COLUMN "lastActiveAt" SET DATA TYPE TIMESTAMPTZ(3) USING "lastActiveAt" AT TIME ZONE 'UTC',
ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
ALTER COLUMN "updatedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "Order" ALTER COLUMN "placedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "placedAt" AT TIME ZONE 'UTC',
ALTER COLUMN "fulfilledAt" SET DATA TYPE TIMESTAMPTZ(3) USING "fulfilledAt" AT TIME ZONE 'UTC',
ALTER COLUMN "deliveredAt" SET DATA TYPE TIMESTAMPTZ(3) USING "deliveredAt" AT TIME ZONE 'UTC',
ALTER COLUMN "refundedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "refundedAt" AT TIME ZONE 'UTC',
ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
ALTER COLUMN "updatedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "Event" ALTER COLUMN "occurredAt" SET DATA TYPE TIMESTAMPTZ(3) USING "occurredAt" AT TIME ZONE 'UTC',
ALTER COLUMN "receivedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "receivedAt" AT TIME ZONE 'UTC',
ALTER COLUMN "routedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "routedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "Journey" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
ALTER COLUMN "updatedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "JourneyVersion" ALTER COLUMN "publishedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "publishedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "Enrollment" ALTER COLUMN "enteredAt" SET DATA TYPE TIMESTAMPTZ(3) USING "enteredAt" AT TIME ZONE 'UTC',
ALTER COLUMN "endedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "endedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "EnrollmentStep" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "Message" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
ALTER COLUMN "sentAt" SET DATA TYPE TIMESTAMPTZ(3) USING "sentAt" AT TIME ZONE 'UTC',
ALTER COLUMN "updatedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "OutboxEmail" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "SurveyResponse" ALTER COLUMN "answeredAt" SET DATA TYPE TIMESTAMPTZ(3) USING "answeredAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "ChurnScore" ALTER COLUMN "band" SET DATA TYPE "ChurnBand" USING "band"::"ChurnBand",
ALTER COLUMN "modelBand" SET DATA TYPE "ChurnBand" USING "modelBand"::"ChurnBand",
ALTER COLUMN "expectedNextOrderAt" SET DATA TYPE TIMESTAMPTZ(3) USING "expectedNextOrderAt" AT TIME ZONE 'UTC',
ALTER COLUMN "computedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "computedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "ChurnScoreHistory" ALTER COLUMN "band" SET DATA TYPE "ChurnBand" USING "band"::"ChurnBand",
ALTER COLUMN "computedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "computedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "ChurnModel" ALTER COLUMN "fittedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "fittedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "ChurnScoringPage" ALTER COLUMN "startedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "startedAt" AT TIME ZONE 'UTC',
ALTER COLUMN "completedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "completedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "ExternalChurnScore" ALTER COLUMN "reportedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "reportedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "Alert" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
ALTER COLUMN "ackedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "ackedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "AccountNote" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "StaffUser" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "ApiKey" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
ALTER COLUMN "lastUsedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "lastUsedAt" AT TIME ZONE 'UTC',
ALTER COLUMN "revokedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "revokedAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "Suppression" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC';

-- AlterTable
ALTER TABLE "WebhookDelivery" ALTER COLUMN "receivedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "receivedAt" AT TIME ZONE 'UTC';
