# Fabric notebook source

# METADATA ********************

# META {
# META   "kernel_info": {
# META     "name": "synapse_pyspark"
# META   },
# META   "dependencies": {
# META     "lakehouse": {
# META       "default_lakehouse": "830b309f-f0ca-49f7-8be8-03812a666544",
# META       "default_lakehouse_name": "lh_sales",
# META       "default_lakehouse_workspace_id": "76447a32-c264-4be9-87a7-e26a11c88ccc",
# META       "known_lakehouses": [
# META         {
# META           "id": "830b309f-f0ca-49f7-8be8-03812a666544"
# META         }
# META       ]
# META     },
# META     "environment": {
# META       "environmentId": "90bfba92-4856-488b-8441-48b35b4061c8",
# META       "workspaceId": "00000000-0000-0000-0000-000000000000"
# META     }
# META   }
# META }

# PARAMETERS CELL ********************

run_date = ""

# METADATA ********************

# META {
# META   "language": "python",
# META   "language_group": "synapse_pyspark"
# META }

# CELL ********************

from pyspark.sql import functions as F

settings = notebookutils.variableLibrary.getLibrary("vl_sales_settings")
KEY_VAULT = "https://kv-sales-sandbox.vault.azure.net/"
sas = notebookutils.credentials.getSecret(KEY_VAULT, "landing-sas-token")
spark.conf.set(
    f"fs.azure.sas.landing.{settings.landing_storage_account}.dfs.core.windows.net", sas
)
LANDING = f"abfss://landing@{settings.landing_storage_account}.dfs.core.windows.net/orders"

orders = (
    spark.read.option("header", True)
    .csv(f"{LANDING}/{run_date or '*'}/*.csv")
    .withColumn("OrderDate", F.to_date("OrderDate"))
    .withColumn("Revenue", F.col("Revenue").cast("decimal(18,2)"))
    .withColumn("_loaded_at", F.current_timestamp())
)
orders.repartition(max(1, orders.count() // int(settings.ingest_batch_size))).write.mode(
    "append"
).saveAsTable("bronze.orders")

# METADATA ********************

# META {
# META   "language": "python",
# META   "language_group": "synapse_pyspark"
# META }
