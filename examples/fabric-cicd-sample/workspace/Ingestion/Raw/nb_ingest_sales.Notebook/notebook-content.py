# Fabric notebook source

# METADATA ********************

# META {
# META   "kernel_info": {
# META     "name": "synapse_pyspark"
# META   },
# META   "dependencies": {
# META     "lakehouse": {
# META       "default_lakehouse": "b13145dc-7c9e-4977-ac55-cdd908b70030",
# META       "default_lakehouse_name": "lh_raw",
# META       "default_lakehouse_workspace_id": "1c5bef57-6285-420b-a061-3ecb79400b5a",
# META       "known_lakehouses": [
# META         {
# META           "id": "b13145dc-7c9e-4977-ac55-cdd908b70030"
# META         }
# META       ]
# META     },
# META     "environment": {
# META       "environmentId": "0d09331d-544e-4444-9669-4a6d9e9a9d56",
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

LANDING = "abfss://landing@stsalessandbox.dfs.core.windows.net/sales"

extract = (
    spark.read.option("header", True)
    .csv(f"{LANDING}/{run_date or '*'}/*.csv")
    .withColumn("OrderDate", F.to_date("OrderDate"))
    .withColumn("Revenue", F.col("Revenue").cast("decimal(18,2)"))
)
extract.write.mode("append").saveAsTable("dbo.sales")

# METADATA ********************

# META {
# META   "language": "python",
# META   "language_group": "synapse_pyspark"
# META }
