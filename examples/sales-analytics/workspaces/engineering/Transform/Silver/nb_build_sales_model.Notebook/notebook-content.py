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
target_env = "sandbox"

# METADATA ********************

# META {
# META   "language": "python",
# META   "language_group": "synapse_pyspark"
# META }

# CELL ********************

from pyspark.sql import functions as F

settings = notebookutils.variableLibrary.getLibrary("vl_sales_settings")

silver = (
    spark.table("bronze.orders")
    .dropDuplicates(["OrderId"])
    .where(F.col("OrderDate") >= F.date_sub(F.current_date(), int(settings.silver_retention_days)))
)
silver.write.mode("overwrite").saveAsTable("silver.orders")

customers = silver.select("CustomerId", "CustomerName", "Region").dropDuplicates(["CustomerId"])
customers.write.mode("overwrite").saveAsTable("gold.dim_customer")
silver.select("OrderId", "OrderDate", "CustomerId", "Revenue").write.mode(
    "overwrite"
).saveAsTable("gold.fact_sales")
print(f"sales model rebuilt for {target_env} ({run_date or 'all dates'})")

# METADATA ********************

# META {
# META   "language": "python",
# META   "language_group": "synapse_pyspark"
# META }
