-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "surveyKind" TEXT;
