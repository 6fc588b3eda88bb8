-- AlterEnum
ALTER TYPE "VaultPermissionModel" ADD VALUE 'MANAGED_HSM';

