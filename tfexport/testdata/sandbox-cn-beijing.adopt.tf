# Written by ipam-teardown export --mode adopt from the inventory of account 1000000000000001 in cn-beijing,
# collected 2026-01-02T04:04:05Z (inventory sha256:fefbd45acf38f1e63cf60751777db0ba02cbc3ccfe81ab3a5d8f75f467062e37).
# terraform plan shows only imports: the live resources come under Terraform unchanged.

terraform {
  required_providers {
    alicloud = {
      source = "aliyun/alicloud"
    }
  }
}

provider "alicloud" {
  region = "cn-beijing"
}

# Resource discoveries of cn-beijing

import {
  to = alicloud_vpc_ipam_ipam_resource_discovery.beijing_discovery
  id = "ipam-res-disco-ts6gr7bkbi6kllc4hiz2k"
}

resource "alicloud_vpc_ipam_ipam_resource_discovery" "beijing_discovery" {
  ipam_resource_discovery_name        = "beijing-discovery"
  ipam_resource_discovery_description = "Discovery of the cn-beijing networks, not yet under the IPAM"
  operating_region_list               = ["cn-beijing"]
  tags = {
    env = "sandbox"
  }
}
