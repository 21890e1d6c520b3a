-- AlterTable
ALTER TABLE "ChurnScore" ADD COLUMN     "predictedValue" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "ChurnModel" ADD COLUMN     "backtest" JSONB,
ADD COLUMN     "horizonDays" INTEGER NOT NULL DEFAULT 90,
ADD COLUMN     "riskModel" JSONB,
ADD COLUMN     "spendModel" JSONB;
